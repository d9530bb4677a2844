// Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self time, with their share.
// Run: npx tsx bench/cpu-profile.ts <file.cpuprofile> [--top N]
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface HotFunction {
  name: string;
  where: string;
  selfMs: number;
  share: number;
}

/** Self time per function (summed over its call sites), largest first. */
export function hotFunctions(profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }, top = 15): HotFunction[] {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, { name: string; where: string; us: number }>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const { functionName, url, lineNumber } = byNode.get(id)!.callFrame;
    const where = url ? `${path.relative(process.cwd(), url.replace(/^file:\/\//, ''))}:${lineNumber + 1}` : '(native)';
    const name = functionName || '(anonymous)';
    const entry = self.get(`${name} ${where}`) ?? self.set(`${name} ${where}`, { name, where, us: 0 }).get(`${name} ${where}`)!;
    entry.us += us;
  });
  return [...self.values()]
    .sort((a, b) => b.us - a.us)
    .slice(0, top)
    .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, share: total ? e.us / total : 0 }));
}

if (process.argv[1] && import.meta.url.endsWith(path.basename(process.argv[1]))) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: npx tsx bench/cpu-profile.ts <file.cpuprofile> [--top N]');
  const topAt = process.argv.indexOf('--top');
  const rows = hotFunctions(JSON.parse(readFileSync(file, 'utf8')), topAt > 0 ? Number(process.argv[topAt + 1]) : 15);
  for (const r of rows) console.log(`${(r.share * 100).toFixed(1).padStart(5)}%  ${r.selfMs.toFixed(0).padStart(7)} ms  ${r.name}  ${r.where}`);
}
