// Telling tombstones from values in a key listing without reading every key: by item size, then a read of the few that match.
import { encodeTombstone, type ItemVersion } from '../envelope';
import { RESERVED_PREFIX, type Candidate, type CandidateTest } from './metadump';

/** A delete kept on a node until it expires, so older writes arriving late lose to it. */
export interface TombstoneItem {
  key: string;
  /** Absolute unix time in seconds (tombstones always expire). */
  exp: number;
  version: ItemVersion;
}

/**
 * Two tombstones under reserved keys of different lengths. memcached's metadump gives each item's total
 * size but not its flags; a tombstone's size is its key's length plus a constant of the server (item
 * header, CAS, the 17-byte body, the flags word), which the probes measure and cross-check.
 */
export const PROBE_KEYS = [`${RESERVED_PREFIX}:probe`, `${RESERVED_PREFIX}:probe:calibration`] as const;
export const PROBE = encodeTombstone({ wall: 0, counter: 0, writerHash: 0 });
/** Long enough to outlive the listing that follows the probe's write; then the node is left as it was. */
export const PROBE_TTL_SECONDS = 120;

/**
 * Before any calibration, an item this much larger than its key might be a tombstone: memcached's item
 * header with CAS is 56 bytes on 64-bit builds, plus the key's terminator, the body with its CRLF and the
 * flags word make 80. The bound is loose on purpose: a needless read costs time, a missed tombstone a key.
 */
const UNCALIBRATED_MAX_OVERHEAD = 160;

/** What a read of a candidate found: a tombstone, or something else (a value, or nothing). */
export interface Confirmation {
  key: string;
  cas: bigint;
  tombstone: TombstoneItem | null;
}

/**
 * One node's tombstone size and the candidates it has already read, by (key, CAS): memcached gives every
 * write a new CAS, so an item listed again with the same CAS is the item already read. Both are forgotten
 * when the server turns out to be another process (CAS numbering restarts with it).
 */
export class TombstoneIndex {
  private instance: string | null = null;
  private overhead: number | null = null;
  private known = new Map<string, Confirmation>();

  /** Switches to the server process `instance` (its pid and start time); a new one starts from nothing. */
  useInstance(instance: string): void {
    if (instance === this.instance) return;
    this.instance = instance;
    this.overhead = null;
    this.known = new Map();
  }

  get calibrated(): boolean {
    return this.overhead !== null;
  }

  /** Learns the tombstone size from the probes as listed; keeps what it knew when they are missing or disagree. */
  calibrate(probes: readonly { keyBytes: number; size: number }[]): void {
    const overheads = new Set(probes.map((p) => p.size - p.keyBytes));
    if (probes.length === PROBE_KEYS.length && overheads.size === 1) this.overhead = [...overheads][0];
  }

  /** Whether an item of this raw key length and size could be a tombstone on this server. */
  readonly isCandidate: CandidateTest = (keyBytes, size) => {
    if (this.overhead === null) return size - keyBytes <= UNCALIBRATED_MAX_OVERHEAD;
    return size - keyBytes === this.overhead;
  };

  /** The confirmation already known for this listed candidate, if its item has not changed since. */
  lookup(candidate: Candidate): Confirmation | undefined {
    const known = this.known.get(candidate.key);
    return known && known.cas === candidate.cas ? known : undefined;
  }

  /** Keeps exactly these confirmations: the candidates of the latest listing. */
  remember(confirmations: Iterable<Confirmation>): void {
    this.known = new Map();
    for (const confirmation of confirmations) this.known.set(confirmation.key, confirmation);
  }
}
