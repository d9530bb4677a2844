// Realistic keys and values for demos and load: users, sessions, products and carts kept together by hash tags.
import { faker } from '@faker-js/faker';
import { mapLimit } from './concurrency';

export interface FakeEntry {
  key: string;
  value: string;
}

const makers: (() => FakeEntry)[] = [
  () => {
    const id = faker.number.int({ min: 1, max: 9_999_999 });
    return {
      key: `user:{${id}}:profile`,
      value: JSON.stringify({ name: faker.person.fullName(), email: faker.internet.email(), city: faker.location.city() }),
    };
  },
  () => {
    const id = faker.number.int({ min: 1, max: 9_999_999 });
    return {
      key: `user:{${id}}:cart`,
      value: JSON.stringify(Array.from({ length: faker.number.int({ min: 1, max: 4 }) }, () => faker.commerce.productName())),
    };
  },
  () => ({ key: `session:${faker.string.uuid()}`, value: faker.string.alphanumeric(48) }),
  () => ({
    key: `product:${faker.string.alphanumeric({ length: 10, casing: 'upper' })}`,
    value: JSON.stringify({ title: faker.commerce.productName(), price: faker.commerce.price() }),
  }),
  () => ({ key: `page:/${faker.internet.domainWord()}/${faker.string.alphanumeric(6)}`, value: faker.lorem.paragraph() }),
];

/** `count` distinct entries; pass a seed for a repeatable set. */
export function fakeEntries(count: number, seed?: number): FakeEntry[] {
  if (seed !== undefined) faker.seed(seed);
  const entries = new Map<string, FakeEntry>();
  while (entries.size < count) {
    const entry = makers[faker.number.int({ min: 0, max: makers.length - 1 })]();
    entries.set(entry.key, entry);
  }
  return [...entries.values()];
}

export interface FakeOutcome {
  stored: number;
  failed: number;
  /** The first failures, as `key: message`. */
  failures: string[];
  /** A few of the keys, to try a `get` on. */
  sample: string[];
}

/** Puts in flight at once: enough to keep every node busy, few enough not to queue past the node deadlines. */
const FAKE_CONCURRENCY = 64;

/** Generates `count` entries and stores them through `put` (the cluster's), a bounded number at a time. */
export async function storeFakeEntries(
  put: (key: string, value: string, options: { ttl: number }) => Promise<{ ok: true } | { ok: false; message: string }>,
  count: number,
  ttl = 0,
): Promise<FakeOutcome> {
  const entries = fakeEntries(count);
  const failures: string[] = [];
  let failed = 0;
  await mapLimit(entries, FAKE_CONCURRENCY, async ({ key, value }) => {
    const result = await put(key, value, { ttl });
    if (result.ok) return;
    failed++;
    if (failures.length < 5) failures.push(`${key}: ${result.message}`);
  });
  return { stored: count - failed, failed, failures, sample: entries.slice(0, 5).map((e) => e.key) };
}
