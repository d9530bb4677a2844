import 'server-only';
// The etcd client the store uses: its members, credentials and fault handling, and every call under a deadline of our own.
import { circuitBreaker, ConsecutiveBreaker, ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import { Etcd3, isRecoverableError, type IOptions } from 'etcd3';
import type { EtcdConfig } from './config';
import { unavailable, type StoreFailure } from './types';

export function connectEtcd(config: EtcdConfig, deadlineMs: number): Etcd3 {
  // Each attempt gets half the deadline, so a call to a hung member still leaves time to try another.
  const attemptMs = Math.max(100, Math.floor(deadlineMs / 2));
  const options: IOptions = {
    hosts: config.endpoints,
    dialTimeout: deadlineMs,
    defaultCallOptions: (context) => (context.isStream ? {} : { deadline: Date.now() + attemptMs }),
    faultHandling: {
      // The library's default keeps a failed member out for 5 s and backs a broken watch off up to 30 s:
      // a restarted member must be used again within about a second.
      host: () => circuitBreaker(handleWhen(isRecoverableError), { halfOpenAfter: 1000, breaker: new ConsecutiveBreaker(3) }),
      global: retry(handleWhen(isRecoverableError), { maxAttempts: 2 }),
      watchBackoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 1000 }) as unknown as NonNullable<IOptions['faultHandling']>['watchBackoff'],
    },
  };
  if (config.auth) options.auth = config.auth;
  if (config.tls) options.credentials = { rootCertificate: config.tls.ca, privateKey: config.tls.key, certChain: config.tls.cert };
  return new Etcd3(options);
}

const BUGS = [TypeError, RangeError, ReferenceError, SyntaxError];

/**
 * Runs one store operation against etcd and turns any failure, or no answer within `deadlineMs`, into
 * `unavailable`: the library retries and reconnects on its own, which must never make a caller hang.
 */
export async function within<T>(target: { endpoints: string[]; deadlineMs: number }, what: string, op: () => Promise<T>): Promise<{ ok: true; value: T } | StoreFailure> {
  const where = `etcd at ${target.endpoints.join(',')}`;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<StoreFailure>((resolve) => {
    timer = setTimeout(() => resolve(unavailable(`${where} did not answer (${what}) within ${target.deadlineMs} ms`)), target.deadlineMs);
  });
  const attempt = op().then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => {
      if (BUGS.some((kind) => error instanceof kind)) throw error;
      return unavailable(`${where} failed (${what}): ${(error as Error)?.message ?? String(error)}`);
    },
  );
  try {
    return await Promise.race([attempt, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
