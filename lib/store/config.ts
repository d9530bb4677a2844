import 'server-only';
// Which state store to use, from the environment: etcd when RINGSIDE_ETCD names its members, else the data directory.
import { readFileSync } from 'node:fs';

export const DEFAULT_ETCD_PREFIX = '/ringside/';

export interface EtcdConfig {
  kind: 'etcd';
  endpoints: string[];
  prefix: string;
  auth?: { username: string; password: string };
  /** PEM contents, read once here so a missing file is reported at start, not at the first call. */
  tls?: { ca: Buffer; cert?: Buffer; key?: Buffer };
}

export type StoreConfig = { kind: 'file' } | EtcdConfig;

export type ConfigResult = { ok: true; config: StoreConfig } | { ok: false; error: 'invalid_config'; message: string };

function invalid(message: string): ConfigResult {
  return { ok: false, error: 'invalid_config', message };
}

/**
 * RINGSIDE_ETCD=http://host:2379[,...] (optional RINGSIDE_ETCD_PREFIX, RINGSIDE_ETCD_USERNAME and
 * _PASSWORD, RINGSIDE_ETCD_CA and _CERT and _KEY as PEM file paths, with https:// endpoints).
 */
export function storeConfigFromEnv(env: Readonly<Record<string, string | undefined>> = process.env, readFile: (file: string) => Buffer = readFileSync): ConfigResult {
  const list = env.RINGSIDE_ETCD?.trim();
  const etcdOnly = ['RINGSIDE_ETCD_PREFIX', 'RINGSIDE_ETCD_USERNAME', 'RINGSIDE_ETCD_PASSWORD', 'RINGSIDE_ETCD_CA', 'RINGSIDE_ETCD_CERT', 'RINGSIDE_ETCD_KEY'];
  if (!list) {
    const stray = etcdOnly.filter((name) => env[name]);
    if (stray.length) return invalid(`${stray.join(', ')} set without RINGSIDE_ETCD: name the etcd members (RINGSIDE_ETCD=http://host:2379[,...]) or unset them`);
    return { ok: true, config: { kind: 'file' } };
  }

  const endpoints: string[] = [];
  for (const item of list.split(',').map((s) => s.trim())) {
    const checked = checkEndpoint(item);
    if (typeof checked !== 'string') return checked;
    if (!endpoints.includes(checked)) endpoints.push(checked);
  }
  const schemes = new Set(endpoints.map((e) => e.slice(0, e.indexOf(':'))));
  if (schemes.size > 1) return invalid(`RINGSIDE_ETCD mixes http:// and https:// endpoints (${endpoints.join(', ')}): use one scheme for every member`);
  const secure = schemes.has('https');

  const prefix = env.RINGSIDE_ETCD_PREFIX ?? DEFAULT_ETCD_PREFIX;
  if (!prefix.endsWith('/') || prefix.length < 2 || /[\s\u0000-\u001f\u007f]/.test(prefix)) {
    return invalid(`RINGSIDE_ETCD_PREFIX must be a key prefix without spaces that ends with "/", like ${DEFAULT_ETCD_PREFIX} (got ${JSON.stringify(prefix)})`);
  }

  const config: EtcdConfig = { kind: 'etcd', endpoints, prefix };
  const { RINGSIDE_ETCD_USERNAME: username, RINGSIDE_ETCD_PASSWORD: password } = env;
  if (Boolean(username) !== Boolean(password)) return invalid('RINGSIDE_ETCD_USERNAME and RINGSIDE_ETCD_PASSWORD go together: set both, or neither');
  if (username && password) config.auth = { username, password };

  const files: Record<'ca' | 'cert' | 'key', string | undefined> = { ca: env.RINGSIDE_ETCD_CA, cert: env.RINGSIDE_ETCD_CERT, key: env.RINGSIDE_ETCD_KEY };
  if (files.ca || files.cert || files.key) {
    if (!secure) return invalid('RINGSIDE_ETCD_CA, _CERT and _KEY are for TLS: give the members as https:// endpoints');
    if (!files.ca) return invalid('RINGSIDE_ETCD_CERT and RINGSIDE_ETCD_KEY need RINGSIDE_ETCD_CA, the certificate authority that signed the etcd members');
    if (Boolean(files.cert) !== Boolean(files.key)) return invalid('RINGSIDE_ETCD_CERT and RINGSIDE_ETCD_KEY go together: the client certificate and its private key');
    const read: Partial<Record<'ca' | 'cert' | 'key', Buffer>> = {};
    for (const [name, file] of Object.entries(files) as ['ca' | 'cert' | 'key', string | undefined][]) {
      if (!file) continue;
      try {
        read[name] = readFile(file);
      } catch (error) {
        return invalid(`RINGSIDE_ETCD_${name.toUpperCase()}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
      }
    }
    config.tls = { ca: read.ca!, cert: read.cert, key: read.key };
  }
  return { ok: true, config };
}

function checkEndpoint(item: string): string | ConfigResult {
  const bad = (why: string) => invalid(`RINGSIDE_ETCD: ${JSON.stringify(item)} ${why}; expected a comma-separated list like http://127.0.0.1:2379,http://10.0.0.2:2379`);
  if (!item) return bad('is empty');
  let url: URL;
  try {
    url = new URL(item);
  } catch {
    return bad('is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return bad('is not http:// or https://');
  if (url.username || url.password) return bad('carries credentials: use RINGSIDE_ETCD_USERNAME and RINGSIDE_ETCD_PASSWORD');
  if ((url.pathname && url.pathname !== '/') || url.search || url.hash) return bad('has a path, query or fragment');
  if (!url.port) return bad('has no port (etcd listens for clients on 2379)');
  return `${url.protocol}//${url.host}`;
}
