import 'server-only';
// Which addresses a node may be added at: loopback by default, plus hosts named in RINGSIDE_ALLOWED_HOSTS.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

function isLoopback(ip: string): boolean {
  return ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');
}

/** Hosts and IPs allowed besides loopback, from a comma-separated list. */
export function allowedFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.RINGSIDE_ALLOWED_HOSTS ?? '')
    .split(',')
    .map((entry) => entry.trim().toLowerCase())
    .filter(Boolean);
}

export type HostCheck = { ok: true; host: string } | { ok: false; message: string };

/**
 * Whether `host` may be used, and the host to connect to. Names are resolved first and every address
 * they resolve to must be allowed, so a name cannot smuggle in an address outside the list. A name that
 * is not itself listed is replaced by the address it resolved to: resolving it again at connect time
 * could give another answer (DNS rebinding). A listed name stays a name, so it can follow its server.
 */
export async function checkAllowedHost(host: string, allowed: readonly string[] = allowedFromEnv()): Promise<HostCheck> {
  const refusal = { ok: false as const, message: `${host} is not an allowed node address: loopback is allowed, other hosts must be listed in RINGSIDE_ALLOWED_HOSTS` };
  const named = allowed.includes(host.toLowerCase());
  if (isIP(host)) return isLoopback(host) || named ? { ok: true, host } : refusal;
  let addresses: string[];
  try {
    addresses = (await lookup(host, { all: true })).map((entry) => entry.address);
  } catch {
    return { ok: false, message: `${host} does not resolve to an address` };
  }
  if (addresses.length === 0) return refusal;
  if (named) return { ok: true, host };
  if (!addresses.every((ip) => isLoopback(ip) || allowed.includes(ip))) return refusal;
  // Local memcached listens on IPv4 loopback; prefer an IPv4 answer when the name has both.
  return { ok: true, host: addresses.find((ip) => isIP(ip) === 4) ?? addresses[0] };
}
