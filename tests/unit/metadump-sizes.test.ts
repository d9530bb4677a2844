// Item sizes read from a metadump reply: live user keys only, decoded as the listing decodes them.
import { describe, expect, it } from 'vitest';
import { itemSizes } from '@/lib/memcached/metadump-sizes';

describe('itemSizes', () => {
  it('takes size= of each live item, leaving out expired and reserved keys', () => {
    const reply = [
      'key=user%3A%7B1%7D%3Acart exp=-1 la=1700000000 cas=5 fetch=no cls=1 size=96',
      'key=session:x exp=1000 la=1 cas=6 fetch=no cls=1 size=70',
      'key=page:/p/1 exp=3000 la=1 cas=7 fetch=no cls=4 size=2048',
      'key=%01ringside-probe exp=-1 la=1 cas=8 fetch=no cls=1 size=60',
      'key=nosize exp=-1 la=1 cas=9',
      'END',
      '',
    ].join('\r\n');
    expect([...itemSizes(reply, 2000)]).toEqual([
      ['user:{1}:cart', 96],
      ['page:/p/1', 2048],
    ]);
  });
});
