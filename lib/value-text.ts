// How a stored value is shown to people and sent as JSON: as text when it is printable UTF-8, else as base64.

export interface ValueText {
  text: string;
  encoding: 'utf8' | 'base64';
}

/** Text when the bytes are valid, printable UTF-8 (newlines and tabs allowed); base64 otherwise, so nothing is garbled. */
export function describeValue(value: Uint8Array): ValueText {
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const text = bytes.toString('utf8');
  const printable = Buffer.from(text, 'utf8').equals(bytes) && !/[\p{Cc}]/u.test(text.replace(/[\n\t\r]/g, ''));
  return printable ? { text, encoding: 'utf8' } : { text: bytes.toString('base64'), encoding: 'base64' };
}
