// Item sizes from memcached's key listing (`lru_crawler metadump`): what each key takes on its server, for the algorithm lab's balance by bytes.
import { decodeKey } from './ascii';
import { RESERVED_PREFIX } from './metadump';

/**
 * `size=` of every live item of a metadump reply, by key: memcached's whole item (header, key and value as
 * stored), reserved keys and items already expired left out. A line without a size is skipped.
 */
export function itemSizes(reply: string, nowSeconds: number): Map<string, number> {
  const sizes = new Map<string, number>();
  for (const line of reply.split('\n')) {
    if (!line.startsWith('key=')) continue;
    const fields = new Map(
      line
        .trimEnd()
        .split(' ')
        .map((field) => {
          const at = field.indexOf('=');
          return [field.slice(0, at), field.slice(at + 1)] as const;
        }),
    );
    const key = decodeKey(fields.get('key') ?? '');
    const exp = Number(fields.get('exp') ?? -1);
    const size = Number(fields.get('size'));
    if (key.startsWith(RESERVED_PREFIX) || (exp !== -1 && exp <= nowSeconds) || !fields.has('size') || !Number.isFinite(size)) continue;
    sizes.set(key, size);
  }
  return sizes;
}
