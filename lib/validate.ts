// Input rules shared by every adapter: keys, values, TTLs, node ids, vnode counts and addresses.

export const MAX_KEY_BYTES = 250;
/** Default value limit: memcached's 1 MiB item size less room for the item header and key. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024 - 1024;
/** memcached reads an expiry above 30 days as an absolute unix time, so relative TTLs stop there. */
export const MAX_TTL_SECONDS = 30 * 24 * 3600;
export const MAX_VNODES = 4096;
export const MAX_ID_LENGTH = 128;

const encoder = new TextEncoder();
// Whitespace or control characters break memcached's text protocol and its key listing.
const FORBIDDEN_IN_KEY = /[\s\p{Cc}]/u;
const FORBIDDEN_IN_ID = /[\s,\p{Cc}]/u;

// ES2024's native check where there is one (Node 20 has it): the regular expression showed in the put profile.
const nativeWellFormed = (String.prototype as { isWellFormed?: (this: string) => boolean }).isWellFormed;

// A lone surrogate encodes as U+FFFD, so two different strings would name one memcached key.
function isWellFormed(text: string): boolean {
  return nativeWellFormed ? nativeWellFormed.call(text) : !/\p{Surrogate}/u.test(text);
}

/** Each check returns null when the input is acceptable, else a message that says what to change. */
export function checkKey(key: string): string | null {
  if (typeof key !== 'string' || key.length === 0) return 'the key is empty';
  // A UTF-16 code unit is at most 3 UTF-8 bytes: short keys cannot be too long, and encoding every key on the put/get path showed in its profile.
  const bytes = key.length * 3 <= MAX_KEY_BYTES ? 0 : encoder.encode(key).length;
  if (bytes > MAX_KEY_BYTES) return `the key is ${bytes} bytes in UTF-8; memcached allows at most ${MAX_KEY_BYTES}`;
  if (FORBIDDEN_IN_KEY.test(key)) return 'the key contains whitespace or a control character, which memcached keys cannot hold';
  if (!isWellFormed(key)) return 'the key contains a lone UTF-16 surrogate, which has no UTF-8 form';
  return null;
}

export function checkValue(value: Uint8Array, maxBytes = DEFAULT_MAX_VALUE_BYTES): string | null {
  if (value.length > maxBytes) return `the value is ${value.length} bytes; a node stores at most ${maxBytes}`;
  return null;
}

export function checkTtl(ttl: number): string | null {
  if (!Number.isInteger(ttl) || ttl < 0 || ttl > MAX_TTL_SECONDS) {
    return `the TTL must be a whole number of seconds from 0 (never expires) to ${MAX_TTL_SECONDS} (30 days)`;
  }
  return null;
}

export function checkNodeId(id: string): string | null {
  if (typeof id !== 'string' || id.length === 0) return 'the node id is empty';
  if (id.length > MAX_ID_LENGTH) return `the node id is longer than ${MAX_ID_LENGTH} characters`;
  if (FORBIDDEN_IN_ID.test(id)) return 'a node id cannot contain whitespace, commas or control characters';
  if (!isWellFormed(id)) return 'the node id contains a lone UTF-16 surrogate, which has no UTF-8 form';
  return null;
}

export function checkVnodes(vnodes: number): string | null {
  if (!Number.isInteger(vnodes) || vnodes < 1 || vnodes > MAX_VNODES) {
    return `vnodes must be a whole number from 1 to ${MAX_VNODES}`;
  }
  return null;
}

export interface HostPort {
  host: string;
  port: number;
}

const HOSTNAME = /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/i;
const IPV4 = /^(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?:\.(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** RFC 4291 text form: eight hex groups, one `::` run allowed, an IPv4 tail allowed. */
function isIpv6(host: string): boolean {
  const halves = host.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (part: string) => (part === '' ? [] : part.split(':'));
  const groups = halves.flatMap(groupsOf);
  let count = groups.length;
  const last = groups[groups.length - 1];
  if (last !== undefined && last.includes('.')) {
    if (!IPV4.test(last)) return false;
    groups.pop();
    count += 1;
  }
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return false;
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** Parses `host:port` (IPv6 as `[::1]:port`); a message says what is wrong otherwise. */
export function parseAddress(text: string): { ok: true; address: HostPort } | { ok: false; message: string } {
  const fail = (why: string) => ({ ok: false as const, message: `"${text}" is not a valid address: ${why} (expected host:port, e.g. 127.0.0.1:11211)` });
  if (typeof text !== 'string' || text.length === 0 || text.length > 300) return fail('wrong length');
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  const plain = /^([^:[\]]+):(\d+)$/.exec(text);
  const match = bracketed ?? plain;
  if (!match) return fail('no port');
  const [, host, portText] = match;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535 || portText.length > 5) return fail('the port must be 1 to 65535');
  if (bracketed ? !isIpv6(host) : !(IPV4.test(host) || (HOSTNAME.test(host) && !/^[\d.]+$/.test(host)))) {
    return fail('bad host name');
  }
  return { ok: true, address: { host: host.toLowerCase(), port } };
}

export function formatAddress({ host, port }: HostPort): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
