// Reading memcached's key listing: keys percent-decoded, expiries absolute, expired items left out, CRLF or LF.
import { describe, expect, it } from 'vitest';
import { parseMetadump } from '@/lib/memcached/metadump';

describe('parseMetadump', () => {
  it('reads every field it needs, whatever follows the key', () => {
    const reply = [
      'key=user%3A%7B42%7D%3Acart exp=-1 la=1700000000 cas=7 fetch=no cls=1 size=68',
      'key=%D0%BA%D0%BB%D1%8E%D1%87 exp=2000000100 la=1700000000 cas=8 fetch=yes cls=1 size=70',
      'key=old exp=1999999999 la=1 cas=9 fetch=no cls=1 size=60',
      'key=plain exp=-1 la=1 cas=10 fetch=no cls=1 size=61',
      'END',
      '',
    ].join('\r\n');
    expect(parseMetadump(reply, 2_000_000_000)).toEqual([
      { key: 'user:{42}:cart', exp: -1 },
      { key: 'ключ', exp: 2000000100 },
      { key: 'plain', exp: -1 },
    ]);
  });

  it('takes LF line ends, a key alone on its line, and a stray percent sign', () => {
    expect(parseMetadump('key=a%ZZ exp=-1 size=5\nkey=lonely\nEND\n', 0)).toEqual([
      { key: 'a%ZZ', exp: -1 },
      { key: 'lonely', exp: -1 },
    ]);
  });
});
