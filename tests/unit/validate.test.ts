// Input rules: memcached keys, values, TTLs, node ids, vnode counts and host:port addresses.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_VALUE_BYTES, MAX_ID_LENGTH, MAX_TTL_SECONDS, MAX_VNODES, checkKey, checkNodeId, checkTtl, checkValue, checkVnodes, formatAddress, parseAddress } from '@/lib/validate';

/** A rejection is a message a person can act on, never an empty string. */
function expectRejected(message: string | null) {
  expect(typeof message).toBe('string');
  expect(message!.trim().length).toBeGreaterThan(0);
}

describe('checkKey', () => {
  it.each([
    ['a plain key', 'user:1:profile'],
    ['a hash-tagged key', 'user:{42}:cart'],
    ['250 ASCII bytes', 'k'.repeat(250)],
    ['125 two-byte characters (250 bytes)', 'é'.repeat(125)],
    ['punctuation', 'a-b_c.d/e|f#g@h!{}[]'],
  ])('accepts %s', (_, key) => {
    expect(checkKey(key)).toBeNull();
  });

  it.each([
    ['an empty key', ''],
    ['251 ASCII bytes', 'k'.repeat(251)],
    ['126 two-byte characters (252 bytes)', 'é'.repeat(126)],
    ['84 three-byte characters (252 bytes)', '€'.repeat(84)],
    ['63 four-byte characters (252 bytes)', '😀'.repeat(63)],
    ['a space', 'user 1'],
    ['a tab', 'user\t1'],
    ['a newline', 'user\n1'],
    ['a carriage return', 'user\r1'],
    ['NUL', 'user\u00001'],
    ['DEL', 'user\u007f1'],
    ['a lone surrogate', 'a\uD800'],
    ['an escape', 'user\u001b1'],
  ])('rejects %s', (_, key) => {
    expectRejected(checkKey(key));
  });

  it('counts bytes, not characters, and says so', () => {
    expect(checkKey('é'.repeat(126))).toMatch(/252 bytes/);
  });

  it('rejects a non-string without throwing', () => {
    expectRejected(checkKey(undefined as unknown as string));
  });
});

describe('checkValue', () => {
  it('accepts empty values and values up to the limit', () => {
    expect(checkValue(new Uint8Array(0))).toBeNull();
    expect(checkValue(new Uint8Array(DEFAULT_MAX_VALUE_BYTES))).toBeNull();
  });

  it('rejects a value over the limit', () => {
    expectRejected(checkValue(new Uint8Array(DEFAULT_MAX_VALUE_BYTES + 1)));
  });

  it('honours a smaller limit', () => {
    expect(checkValue(new Uint8Array(10), 10)).toBeNull();
    expect(checkValue(new Uint8Array(11), 10)).toMatch(/11 bytes/);
  });
});

describe('checkTtl', () => {
  it.each([0, 1, 3600, MAX_TTL_SECONDS])('accepts %d', (ttl) => {
    expect(checkTtl(ttl)).toBeNull();
  });

  it.each([-1, 1.5, MAX_TTL_SECONDS + 1, Number.NaN, Infinity])('rejects %d', (ttl) => {
    expectRejected(checkTtl(ttl));
  });
});

describe('checkNodeId', () => {
  it.each(['node-1', '10.0.0.1:11211', 'cache.eu-west.1', 'x'.repeat(MAX_ID_LENGTH)])('accepts %j', (id) => {
    expect(checkNodeId(id)).toBeNull();
  });

  it.each(['', 'a,b', 'a b', 'a\tb', 'a\nb', ' node', 'node\u0000', 'x'.repeat(MAX_ID_LENGTH + 1)])('rejects %j', (id) => {
    expectRejected(checkNodeId(id));
  });
});

describe('checkVnodes', () => {
  it.each([1, 160, MAX_VNODES])('accepts %d', (vnodes) => {
    expect(checkVnodes(vnodes)).toBeNull();
  });

  it.each([0, -1, 1.5, MAX_VNODES + 1, Number.NaN])('rejects %d', (vnodes) => {
    expectRejected(checkVnodes(vnodes));
  });
});

describe('parseAddress', () => {
  it.each([
    ['127.0.0.1:11211', { host: '127.0.0.1', port: 11211 }],
    ['[::1]:11211', { host: '::1', port: 11211 }],
    ['localhost:11211', { host: 'localhost', port: 11211 }],
    ['Cache-1.Example.com:1', { host: 'cache-1.example.com', port: 1 }],
    ['10.0.0.255:65535', { host: '10.0.0.255', port: 65535 }],
    ['[fe80::1:2]:80', { host: 'fe80::1:2', port: 80 }],
    ['[::ffff:127.0.0.1]:80', { host: '::ffff:127.0.0.1', port: 80 }],
    ['[2001:db8:0:0:0:0:2:1]:80', { host: '2001:db8:0:0:0:0:2:1', port: 80 }],
  ])('accepts %s', (text, address) => {
    expect(parseAddress(text)).toEqual({ ok: true, address });
  });

  it.each([
    ['a missing port', 'localhost'],
    ['an empty port', 'localhost:'],
    ['port 0', 'localhost:0'],
    ['port 65536', 'localhost:65536'],
    ['a three-part dotted address', '1.2.3:80'],
    ['a space in the host', 'a b:1'],
    ['a URL', 'http://x:1'],
    ['an IPv4 octet over 255', '999.1.1.1:1'],
    ['an unbracketed IPv6 address', '::1:11211'],
    ['a bracketed IPv4 address', '[127.0.0.1]:11211'],
    ['an empty string', ''],
    ['a host alone with a colon', ':11211'],
    ['a negative port', 'localhost:-1'],
    ['a bracketed colon', '[:]:11211'],
    ['too many colons', '[:::::]:1'],
    ['two :: runs', '[1::2::3]:1'],
    ['a bad IPv4 tail', '[::ffff:999.1.1.1]:1'],
    ['nine groups', '[1:2:3:4:5:6:7:8:9]:1'],
  ])('rejects %s', (_, text) => {
    const result = parseAddress(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expectRejected(result.message);
      expect(result.message).toContain(`"${text}"`);
    }
  });

  it('round-trips through formatAddress', () => {
    for (const text of ['127.0.0.1:11211', '[::1]:11211', 'localhost:11211']) {
      const result = parseAddress(text);
      expect(result.ok && formatAddress(result.address)).toBe(text);
    }
  });
});
