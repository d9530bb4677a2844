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

/**
 * Null when `host` may be used, else a message. Names are resolved first and every address they
 * resolve to must be allowed, so a name cannot smuggle in an address outside the list.
 */
export async function checkAllowedHost(host: string, allowed: readonly string[] = allowedFromEnv()): Promise<string | null> {
  const refusal = `${host} is not an allowed node address: loopback is allowed, other hosts must be listed in RINGSIDE_ALLOWED_HOSTS`;
  let addresses: string[];
  if (isIP(host)) addresses = [host];
  else {
    try {
      addresses = (await lookup(host, { all: true })).map((entry) => entry.address);
    } catch {
      return `${host} does not resolve to an address`;
    }
  }
  if (addresses.length === 0) return refusal;
  const named = allowed.includes(host.toLowerCase());
  return addresses.every((ip) => isLoopback(ip) || named || allowed.includes(ip)) ? null : refusal;
}
