// Every algorithm of the lab, in the order reports list them, and the choice of a subset by id.
import { fail, type Failure } from '../cluster/types';
import { checkVnodes } from '../validate';
import type { Algorithm } from './algorithm';
import { boundedLoads } from './bounded-loads';
import { jump } from './jump';
import { ketama } from './ketama';
import { maglev } from './maglev';
import { multiProbe } from './multi-probe';
import { rendezvous } from './rendezvous';
import { ringsideAlgorithm } from './ringside';
import type { AlgorithmId } from './types';

export const ALGORITHM_IDS: readonly AlgorithmId[] = ['ringside', 'ketama', 'jump', 'rendezvous', 'maglev', 'multi-probe', 'bounded-loads'];

const fixed: Record<Exclude<AlgorithmId, 'ringside'>, Algorithm> = {
  ketama,
  jump,
  rendezvous,
  maglev,
  'multi-probe': multiProbe,
  'bounded-loads': boundedLoads,
};

/** The algorithms to run: all (Ringside's ring also at each of `tryVnodes`), or those named, in their order. */
export function algorithmsFor(tryVnodes: readonly number[], names?: readonly string[]): Algorithm[] | Failure {
  const all = [ringsideAlgorithm(), ...tryVnodes.map((v) => ringsideAlgorithm(v)), ...Object.values(fixed)];
  if (!names) return all;
  const chosen: Algorithm[] = [];
  for (const name of names) {
    const at = /^ringside@(\d+)$/.exec(name);
    if (at && checkVnodes(Number(at[1]))) return fail('invalid_vnodes', `${name}: ${checkVnodes(Number(at[1]))}`);
    const algorithm = at ? ringsideAlgorithm(Number(at[1])) : name === 'ringside' ? ringsideAlgorithm() : fixed[name as keyof typeof fixed];
    if (!algorithm) return fail('invalid_lab', `unknown algorithm ${name}: choose from ${ALGORITHM_IDS.join(', ')} or ringside@<vnodes>`);
    if (!chosen.some((a) => a.id === algorithm.id)) chosen.push(algorithm);
  }
  return chosen;
}
