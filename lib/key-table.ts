// The numbering of a cluster's listed keys: each distinct key's text once, found by hashing its listed form where it lies, and its ring position.
import { keyPosition } from './hash';
import { hashListedKey, hashListedRange, isListedForm } from './listed-key';

/** A copy of text[start, end) that does not keep `text` alive (a slice of a long string may be a view into it). */
function ownCopy(text: string, start: number, end: number): string {
  return end - start < 13 ? text.slice(start, end) : ('_' + text.slice(start, end)).slice(1);
}

/** Whether text[start, end) holds a %: a listed key without one is the key itself. */
function escaped(text: string, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (text.charCodeAt(i) === 37) return true;
  return false;
}

/** The key numbers KeyColumns' node columns are made of (see ./key-columns). */
export class KeyTable {
  /** Every distinct key, in order of first listing; a key's number is its index here. */
  keys: string[] = [];
  /**
   * An open-addressing table of key numbers, found by hashing a key's listed form (memcached's URL-encoding)
   * where it lies (a whole listing reply, say): a key already numbered costs no string of its own, where a
   * Map would need one. A key given as itself hashes to the same slot (see listed-key.ts).
   */
  protected slots: Int32Array | null = new Int32Array(2 << 12);
  protected hashes: Int32Array = new Int32Array(1 << 11);
  /** Each key's ring position, hashed once when it is numbered. */
  protected ringPositions: Uint32Array = new Uint32Array(1 << 11);

  /** The number of `key`, given one when it is new. */
  intern(key: string): number {
    const h = hashListedKey(key);
    const found = this.find(h, (k) => this.keys[k] === key);
    return found >= 0 ? found : this.add(h, key);
  }

  /**
   * The number of the key listed as text[start, end) (memcached's URL-encoding of it), given one when it is new:
   * `decode` then runs once, for the key, not once per holder.
   */
  internRange(text: string, start: number, end: number, decode: (listed: string) => string): number {
    const h = hashListedRange(text, start, end);
    const found = this.find(h, (k) => isListedForm(text, start, end, this.keys[k]));
    if (found >= 0) return found;
    return this.add(h, escaped(text, start, end) ? decode(text.slice(start, end)) : ownCopy(text, start, end));
  }

  /** Ring positions by key number (a view, valid until the next key is numbered). */
  get positions(): Uint32Array {
    return this.ringPositions.subarray(0, this.keys.length);
  }

  private find(h: number, same: (k: number) => boolean): number {
    const slots = this.slots;
    if (!slots) throw new Error('the key table is sealed');
    // Each slot is a pair, key number plus one and its hash: a key is compared only when the hashes agree.
    const mask = (slots.length >> 1) - 1;
    for (let at = h & mask; ; at = (at + 1) & mask) {
      const slot = slots[at * 2];
      if (slot === 0) return -1;
      if (slots[at * 2 + 1] === h && same(slot - 1)) return slot - 1;
    }
  }

  private add(h: number, key: string): number {
    const k = this.keys.length;
    this.keys.push(key);
    if (k === this.hashes.length) {
      this.hashes = grow(this.hashes, k * 2);
      this.ringPositions = grow(this.ringPositions, k * 2);
    }
    this.hashes[k] = h;
    this.ringPositions[k] = keyPosition(key);
    // Kept at most half full, so probes stay short.
    if ((k + 1) * 2 > this.slots!.length >> 1) this.rehash(this.slots!.length * 2);
    else this.place(this.slots!, k);
    return k;
  }

  private place(slots: Int32Array, k: number): void {
    const mask = (slots.length >> 1) - 1;
    let at = this.hashes[k] & mask;
    while (slots[at * 2] !== 0) at = (at + 1) & mask;
    slots[at * 2] = k + 1;
    slots[at * 2 + 1] = this.hashes[k];
  }

  protected rehash(size: number): void {
    const slots = new Int32Array(size);
    for (let k = 0; k < this.keys.length; k++) this.place(slots, k);
    this.slots = slots;
  }
}

function grow<T extends Int32Array | Uint32Array>(array: T, size: number): T {
  const grown = new (array.constructor as new (size: number) => T)(size);
  grown.set(array);
  return grown;
}
