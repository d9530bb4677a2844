// What connect() of ringside/client rejects with, for tests that expect a refusal: a client it made anyway is closed.
import { expect } from 'vitest';
import { connect, ConnectError, type ConnectOptions } from '@/lib/client';

export async function refusal(options: unknown): Promise<ConnectError> {
  const outcome = await connect(options as ConnectOptions).then(
    async (client) => {
      await client.close();
      return null;
    },
    (error: unknown) => error,
  );
  expect(outcome).toBeInstanceOf(ConnectError);
  return outcome as ConnectError;
}
