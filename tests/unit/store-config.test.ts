// The state store's configuration from the environment: the file by default, etcd on request, clear errors for bad values.
import { describe, expect, it } from 'vitest';
import { storeConfigFromEnv } from '@/lib/store/config';

const files: Record<string, string> = { '/pki/ca.pem': 'CA', '/pki/client.pem': 'CERT', '/pki/client.key': 'KEY' };
const readFile = (file: string) => {
  if (!(file in files)) throw Object.assign(new Error(`ENOENT: ${file}`), { code: 'ENOENT' });
  return Buffer.from(files[file]);
};
const configOf = (env: Record<string, string>) => storeConfigFromEnv(env, readFile);
const messageOf = (env: Record<string, string>) => {
  const result = configOf(env);
  expect(result.ok).toBe(false);
  return result.ok ? '' : result.message;
};

describe('store configuration', () => {
  it('is the data directory without RINGSIDE_ETCD', () => {
    expect(configOf({})).toEqual({ ok: true, config: { kind: 'file' } });
    expect(configOf({ RINGSIDE_ETCD: '  ' })).toEqual({ ok: true, config: { kind: 'file' } });
  });

  it('reads the members, the default prefix, and normalises the URLs', () => {
    expect(configOf({ RINGSIDE_ETCD: 'http://10.0.0.1:2379/, http://10.0.0.2:2379,http://10.0.0.1:2379' })).toEqual({
      ok: true,
      config: { kind: 'etcd', endpoints: ['http://10.0.0.1:2379', 'http://10.0.0.2:2379'], prefix: '/ringside/' },
    });
  });

  it('takes credentials and TLS files', () => {
    const result = configOf({
      RINGSIDE_ETCD: 'https://etcd.internal:2379',
      RINGSIDE_ETCD_PREFIX: '/prod/ring/',
      RINGSIDE_ETCD_USERNAME: 'ringside',
      RINGSIDE_ETCD_PASSWORD: 's3cret',
      RINGSIDE_ETCD_CA: '/pki/ca.pem',
      RINGSIDE_ETCD_CERT: '/pki/client.pem',
      RINGSIDE_ETCD_KEY: '/pki/client.key',
    });
    expect(result).toEqual({
      ok: true,
      config: {
        kind: 'etcd',
        endpoints: ['https://etcd.internal:2379'],
        prefix: '/prod/ring/',
        auth: { username: 'ringside', password: 's3cret' },
        tls: { ca: Buffer.from('CA'), cert: Buffer.from('CERT'), key: Buffer.from('KEY') },
      },
    });
  });

  it('explains each bad value', () => {
    expect(messageOf({ RINGSIDE_ETCD: 'localhost:2379' })).toMatch(/not http:\/\/ or https:\/\//);
    expect(messageOf({ RINGSIDE_ETCD: 'http://a:2379,' })).toMatch(/"" is empty/);
    expect(messageOf({ RINGSIDE_ETCD: 'http://a' })).toMatch(/no port/);
    expect(messageOf({ RINGSIDE_ETCD: 'http://u:p@a:2379' })).toMatch(/RINGSIDE_ETCD_USERNAME/);
    expect(messageOf({ RINGSIDE_ETCD: 'http://a:2379/v3' })).toMatch(/path/);
    expect(messageOf({ RINGSIDE_ETCD: 'http://a:2379,https://b:2379' })).toMatch(/mixes/);
    expect(messageOf({ RINGSIDE_ETCD: 'http://a:2379', RINGSIDE_ETCD_PREFIX: '/ringside' })).toMatch(/ends with "\/"/);
    expect(messageOf({ RINGSIDE_ETCD: 'http://a:2379', RINGSIDE_ETCD_USERNAME: 'x' })).toMatch(/go together/);
    expect(messageOf({ RINGSIDE_ETCD: 'http://a:2379', RINGSIDE_ETCD_CA: '/pki/ca.pem' })).toMatch(/https:\/\//);
    expect(messageOf({ RINGSIDE_ETCD: 'https://a:2379', RINGSIDE_ETCD_CERT: '/pki/client.pem', RINGSIDE_ETCD_KEY: '/pki/client.key' })).toMatch(/need RINGSIDE_ETCD_CA/);
    expect(messageOf({ RINGSIDE_ETCD: 'https://a:2379', RINGSIDE_ETCD_CA: '/pki/ca.pem', RINGSIDE_ETCD_CERT: '/pki/client.pem' })).toMatch(/go together/);
    expect(messageOf({ RINGSIDE_ETCD: 'https://a:2379', RINGSIDE_ETCD_CA: '/nowhere.pem' })).toMatch(/cannot read \/nowhere\.pem \(ENOENT\)/);
    expect(messageOf({ RINGSIDE_ETCD_PREFIX: '/x/' })).toMatch(/without RINGSIDE_ETCD/);
  });
});
