// Types for murmurhash3js-revisited, which ships none.
declare module 'murmurhash3js-revisited' {
  interface Murmur {
    inputValidation: boolean;
    x86: { hash32(bytes: ArrayLike<number>, seed?: number): number };
  }
  const murmur: Murmur;
  export default murmur;
}
