// Shapes of the records a store reads back, checked: a store shared by many processes may hold anything.
import { z } from 'zod';
import { LEVELS } from '../consistency';
import type { HotReport } from '../hot-window';
import type { ConsistencyRecord, HealthRecord, JournalRecord, Membership, RingRecord, StoredEvent } from './types';

const member = z.object({
  id: z.string().min(1),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  vnodes: z.number().int().min(1),
});

export const membershipSchema = z.object({
  version: z.number().int().min(0),
  replicas: z.number().int().min(1),
  nodes: z.array(member),
});

const stamp = z.string().min(1);

const ringSchema = membershipSchema.extend({ stamp });

export const healthFields = {
  down: z.boolean(),
  instance: z.string().optional(),
  missedMove: z.boolean().optional(),
  itemSizeMax: z.number().int().positive().optional(),
  local: z.object({ pid: z.number().int().nullable(), killed: z.boolean(), host: z.string().min(1).optional() }).optional(),
};

const healthSchema = z.object({ ...healthFields, stamp });

const journalSchema = z.object({
  from: membershipSchema,
  to: membershipSchema,
  reason: z.string(),
  phase: z.enum(['copying', 'switched', 'deleting']),
  progress: z.object({ done: z.number().int().min(0), total: z.number().int().min(0) }),
  owner: z.string().min(1),
  started: z.number(),
  stamp,
});

const consistencySchema = z.object({ w: z.enum(LEVELS), r: z.enum(LEVELS), stamp });

const eventSchema = z.looseObject({ type: z.string().min(1), at: z.number(), stamp });

function parser<T>(schema: z.ZodType, what: string) {
  return (value: unknown): T => {
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw new Error(`the state store holds an invalid ${what}: ${parsed.error.message}`);
    return parsed.data as T;
  };
}

export const parseRing = parser<RingRecord>(ringSchema, 'ring');
export const parseHealth = parser<HealthRecord>(healthSchema, 'node health');
export const parseJournal = parser<JournalRecord>(journalSchema, 'change journal');
export const parseEvent = parser<StoredEvent>(eventSchema, 'event');
export const parseConsistency = parser<ConsistencyRecord>(consistencySchema, 'consistency levels');

const count = z.number().min(0);
const perNode = z.record(z.string(), count);
const hotReportSchema = z.object({
  writer: z.string().min(1),
  at: z.number(),
  since: z.number(),
  sketch: z.object({
    capacity: z.number().int().min(1),
    total: count,
    floor: count,
    entries: z.array(z.object({ key: z.string(), count, error: count, gets: count, sets: count, deletes: count })),
  }),
  served: perNode,
  primary: perNode,
  ops: z.object({ get: count, set: count, delete: count }),
});

/** A process's published request counts, or null: a report no one can read is left out rather than failing the reader. */
export function parseHotReport(value: unknown): HotReport | null {
  const parsed = hotReportSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** The fields of a health record, without its stamp: what `NodeHealth` carries. */
export function withoutStamp<T extends { stamp: string }>(record: T): Omit<T, 'stamp'> {
  const { stamp: _stamp, ...rest } = record;
  return rest;
}

/** A ring commit that does not raise the version is a bug in the caller, not a conflict. */
export function checkNextVersion(expectedVersion: number, next: Membership): void {
  if (!Number.isInteger(expectedVersion) || expectedVersion < 0 || !Number.isInteger(next.version) || next.version <= expectedVersion) {
    throw new Error(`a ring commit must raise the version: from ${expectedVersion} to ${next.version}`);
  }
}
