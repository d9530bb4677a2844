// Where each record lives in etcd, under the cluster's prefix, and what a key seen by a watch is about.

/**
 * Node ids are URI-encoded so a `/` in one cannot reach into another's keys; a suspect key follows its
 * node's segment verbatim (everything after it, slashes included).
 */
export function keyLayout(prefix: string) {
  const node = (id: string) => encodeURIComponent(id);
  return {
    prefix,
    ring: `${prefix}ring`,
    /** The ring's version alone, the target of the compare-and-set. */
    ringVersion: `${prefix}ring-version`,
    health: (id: string) => `${prefix}health/${node(id)}`,
    healthPrefix: `${prefix}health/`,
    suspect: (id: string, key: string) => `${prefix}suspects/${node(id)}/${key}`,
    suspectsOf: (id: string) => `${prefix}suspects/${node(id)}/`,
    suspectsPrefix: `${prefix}suspects/`,
    journal: `${prefix}journal`,
    consistency: `${prefix}consistency`,
    /** Events are keyed by their encoded write version, so a range read returns them in order. */
    event: (stamp: string) => `${prefix}events/${stamp}`,
    eventsPrefix: `${prefix}events/`,
    heartbeat: (writer: string) => `${prefix}heartbeat/${writer}`,
    heartbeatPrefix: `${prefix}heartbeat/`,
    /** A process's acknowledgement of the change announced last (`tag`), under its session lease. */
    ack: (writer: string) => `${prefix}acks/${writer}`,
    acksPrefix: `${prefix}acks/`,
    /** The join tags a process acknowledged (a JSON list, newest last), under its session lease. */
    joinAck: (writer: string) => `${prefix}join-acks/${writer}`,
    joinAcksPrefix: `${prefix}join-acks/`,
    /** A process's request counts (lib/hot-window), under its session lease like its heartbeat. */
    hot: (writer: string) => `${prefix}hot/${writer}`,
    hotPrefix: `${prefix}hot/`,
    changeLock: `${prefix}lock/change`,
    leader: `${prefix}leader`,
  };
}

export type KeyLayout = ReturnType<typeof keyLayout>;

export type KeyOf =
  | { kind: 'ring' | 'ring-version' | 'journal' | 'consistency' | 'lock' | 'leader' | 'event' | 'ack' | 'hot' | 'unknown' }
  | { kind: 'health'; node: string }
  | { kind: 'suspect'; node: string; key: string }
  | { kind: 'heartbeat'; writer: string };

export function parseKey(layout: KeyLayout, full: string): KeyOf {
  if (!full.startsWith(layout.prefix)) return { kind: 'unknown' };
  const rest = full.slice(layout.prefix.length);
  if (rest === 'ring') return { kind: 'ring' };
  if (rest === 'ring-version') return { kind: 'ring-version' };
  if (rest === 'journal') return { kind: 'journal' };
  if (rest === 'consistency') return { kind: 'consistency' };
  if (rest === 'lock/change') return { kind: 'lock' };
  if (rest === 'leader') return { kind: 'leader' };
  if (rest.startsWith('events/')) return { kind: 'event' };
  if (rest.startsWith('acks/') || rest.startsWith('join-acks/')) return { kind: 'ack' };
  if (rest.startsWith('hot/')) return { kind: 'hot' };
  if (rest.startsWith('heartbeat/')) return { kind: 'heartbeat', writer: rest.slice('heartbeat/'.length) };
  const node = (segment: string) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return null;
    }
  };
  if (rest.startsWith('health/')) {
    const id = node(rest.slice('health/'.length));
    return id ? { kind: 'health', node: id } : { kind: 'unknown' };
  }
  if (rest.startsWith('suspects/')) {
    const tail = rest.slice('suspects/'.length);
    const slash = tail.indexOf('/');
    const id = slash > 0 ? node(tail.slice(0, slash)) : null;
    return id ? { kind: 'suspect', node: id, key: tail.slice(slash + 1) } : { kind: 'unknown' };
  }
  return { kind: 'unknown' };
}

/** A process's join as the others name it: its writer id and the session lease its heartbeat is held under. */
export function joinTag(writer: string, lease: string): string {
  return `${writer}#${lease}`;
}

/** The end of etcd's range covering every key that starts with `prefix`. */
export function prefixEnd(prefix: Buffer): Buffer {
  const end = Buffer.from(prefix);
  for (let i = end.length - 1; i >= 0; i--) {
    if (end[i] < 0xff) {
      end[i]++;
      return end.subarray(0, i + 1);
    }
  }
  return Buffer.from([0]);
}
