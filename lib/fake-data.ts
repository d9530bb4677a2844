// Realistic keys and values for demos and load: users, sessions, products and carts kept together by hash tags.
import { faker } from '@faker-js/faker';

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
