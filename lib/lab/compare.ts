// compareAlgorithms: every hashing algorithm of the lab on one key set, for the current membership and for a proposed change.
import type { Failure } from '../cluster/types';
import type { Algorithm } from './algorithm';
import { balanceOf, lookupNs, minimumOf, movementOf, placeAll, toAllOf } from './measure';
import { prepareLab, type PreparedLab } from './request';
import type { AlgorithmReport, LabNode, LabRequest, LabResult } from './types';

/**
 * Places `keys` on `nodes` with each algorithm and reports balance, lookup time and memory; with a `change`, also
 * balance after it and what it moves against the fair-share minimum. Pure and synchronous: it takes
 * about a second per 100,000 keys with a change (timing included), so a server should not run it on every request.
 */
export function compareAlgorithms(request: LabRequest): LabResult {
  const lab = prepareLab(request);
  if (!lab.ok) return lab as Failure;
  const all = lab.all;
  const indexOf = new Map(all.map((n, i) => [n.id, i]));
  const membersBefore = lab.nodes.map((n) => indexOf.get(n.id)!);
  const membersAfter = lab.after?.map((n) => indexOf.get(n.id)!);
  // Weights as the membership after the change has them (a re-weighted node), for its balance.
  const allAfter = all.map((n) => lab.after?.find((m) => m.id === n.id) ?? n);
  const weightsIn = (nodes: readonly LabNode[], members: readonly number[]) => nodes.map((n, i) => (members.includes(i) ? n.weight : 0));
  const minimum = membersAfter ? minimumOf(weightsIn(all, membersBefore), weightsIn(allAfter, membersAfter), lab.keys.length, lab.replicas) : undefined;

  const algorithms: Record<string, AlgorithmReport> = {};
  for (const algorithm of lab.algorithms) algorithms[algorithm.id] = reportOf(algorithm, lab, { allAfter, membersBefore, membersAfter, minimum });
  return {
    ok: true,
    nodes: lab.nodes,
    ...(lab.after ? { nodesAfter: lab.after, change: lab.change } : {}),
    keys: lab.keys.length,
    replicas: lab.replicas,
    vnodes: lab.vnodes,
    ...(minimum ? { minimum } : {}),
    algorithms,
  };
}

interface Frame {
  allAfter: LabNode[];
  membersBefore: number[];
  membersAfter?: number[];
  minimum?: { primaries: number; copies: number };
}

function reportOf(algorithm: Algorithm, lab: PreparedLab, frame: Frame): AlgorithmReport {
  const settings = lab.settings;
  const before = algorithm.build(lab.nodes, settings);
  const listsBefore = placeAll(before, lab.keys, lab.loads, toAllOf(lab.all, lab.nodes));
  const current = balanceOf(listsBefore, before.length, lab.keys, lab.all, frame.membersBefore);
  const report: AlgorithmReport = {
    id: algorithm.id,
    name: algorithm.name,
    notes: algorithm.notes,
    balance: current.keys,
    current,
    lookupNs: lookupNs(algorithm.build(lab.nodes, settings), lab.keys, lab.loads, lab.timingRounds),
    memoryBytes: before.memoryBytes,
  };
  if (!lab.after || !frame.membersAfter || !frame.minimum) return report;
  const after = algorithm.build(lab.after, settings, lab.nodes);
  const listsAfter = placeAll(after, lab.keys, lab.loads, toAllOf(lab.all, lab.after));
  report.after = balanceOf(listsAfter, after.length, lab.keys, frame.allAfter, frame.membersAfter);
  Object.assign(report, movementOf(listsBefore, before.length, listsAfter, after.length));
  report.minimum = frame.minimum.primaries;
  report.minimumCopies = frame.minimum.copies;
  if (!algorithm.historyDependent) return report;
  const fresh = algorithm.build(lab.after, settings);
  const rebuilt = movementOf(listsBefore, before.length, placeAll(fresh, lab.keys, lab.loads, toAllOf(lab.all, lab.after)), fresh.length);
  report.rebuilt = rebuilt;
  const workaround = algorithm.workaround?.(lab.nodes, lab.after, settings);
  if (workaround) report.workaround = { ...workaround, moved: report.moved!, copiesMoved: report.copiesMoved!, rebuilt };
  return report;
}
