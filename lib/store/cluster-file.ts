import 'server-only';
// cluster.json, the embedded store's file: read into a store's state (stamping what older versions left unstamped) and written whole, in the format Ringside always wrote.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { encodeVersion, type HybridClock } from '../version';
import { healthFields, membershipSchema, parseConsistency, parseEvent, parseHealth, parseJournal, parseRing, withoutStamp } from './records';
import { unavailable, type HealthRecord, type StoreResult, type StoreState } from './types';

/** cluster.json as every Ringside version reads it, plus fields older versions ignore. */
const fileSchema = membershipSchema.extend({
  nodes: z.array(membershipSchema.shape.nodes.element.extend({ ...healthFields, down: z.boolean().optional() })),
  hints: z.record(z.string(), z.array(z.string())).default({}),
  ringStamp: z.string().optional(),
  health: z.record(z.string(), z.unknown()).optional(),
  journal: z.unknown().optional(),
  events: z.array(z.unknown()).optional(),
  consistency: z.unknown().optional(),
  /** Clients joined through the dashboard's API when this was written: after a restart they may still be writing. */
  clients: z.boolean().optional(),
});

/** The data directory's cluster.json (none yet: a state with no ring), and whether clients were connected when it was written. */
export async function readClusterFile(dataDir: string, clock: HybridClock): Promise<{ state: StoreState; clients: boolean }> {
  const file = path.join(dataDir, 'cluster.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: { ring: null, health: {}, suspects: {}, journal: null, events: [] }, clients: false };
    throw error;
  }
  const parsed = fileSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${file} is not a valid Ringside state: ${parsed.error.message}`);
  const saved = parsed.data;
  // A file from before the store carries no stamps: this process's clock stamps what it finds.
  const stamp = () => encodeVersion(clock.now());
  const ring = parseRing({ version: saved.version, replicas: saved.replicas, nodes: saved.nodes.map(({ id, host, port, vnodes }) => ({ id, host, port, vnodes })), stamp: saved.ringStamp ?? stamp() });
  const health: Record<string, HealthRecord> = {};
  if (saved.health) for (const [node, record] of Object.entries(saved.health)) health[node] = parseHealth(record);
  else for (const { id, host: _h, port: _p, vnodes: _v, ...fields } of saved.nodes) health[id] = parseHealth({ ...fields, down: fields.down ?? false, stamp: stamp() });
  const events = (saved.events ?? []).map(parseEvent);
  const journal = saved.journal ? parseJournal(saved.journal) : null;
  for (const text of [ring.stamp, journal?.stamp, ...Object.values(health).map((h) => h.stamp), ...events.map((e) => e.stamp)]) clock.receiveEncoded(text);
  const suspects = Object.fromEntries(Object.entries(saved.hints).filter(([, keys]) => keys.length > 0));
  const consistency = saved.consistency ? parseConsistency(saved.consistency) : undefined;
  if (consistency) clock.receiveEncoded(consistency.stamp);
  return { state: { ring, health, suspects, journal, events, ...(consistency ? { consistency } : {}) }, clients: saved.clients ?? false };
}

/** Node records keep their health fields too, so a Ringside without the store still reads the file. */
function toFile(state: StoreState, replicas: number, clients: boolean) {
  const ring = state.ring ?? { version: 0, replicas, nodes: [], stamp: undefined };
  return {
    version: ring.version,
    replicas: ring.replicas,
    nodes: ring.nodes.map((node) => ({ ...node, ...(state.health[node.id] ? withoutStamp(state.health[node.id]) : {}) })),
    hints: state.suspects,
    ringStamp: ring.stamp,
    health: state.health,
    journal: state.journal ?? undefined,
    events: state.events,
    consistency: state.consistency,
    ...(clients ? { clients } : {}),
  };
}

/** Writes the whole state, atomically: a reader finds the old file or the new one, never a part. */
export async function writeClusterFile(dataDir: string, state: StoreState, replicas: number, clients: boolean): Promise<StoreResult> {
  const target = path.join(dataDir, 'cluster.json');
  try {
    await mkdir(dataDir, { recursive: true });
    const temporary = `${target}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(toFile(state, replicas, clients), null, 2)}\n`);
    await rename(temporary, target);
    return { ok: true };
  } catch (error) {
    return unavailable(`could not write ${target}: ${(error as Error).message}`);
  }
}
