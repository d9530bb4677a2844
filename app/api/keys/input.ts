import 'server-only';
// Shared by the key routes: the key path segment, consistency levels, and values in and out as exact bytes (UTF-8 text or base64).
import { z } from 'zod';
import type { Level } from '@/lib/consistency';
import { describeValue } from '@/lib/value-text';

/** What Next passes a `[key]` route: the segment, already percent-decoded once (so `a%2Fb` arrives as `a/b`). */
export interface KeyContext {
  params: Promise<{ key: string }>;
}

export async function keyOf(context: KeyContext): Promise<string> {
  return (await context.params).key;
}

export const putBody = z.strictObject({
  value: z.string(),
  encoding: z.enum(['utf8', 'base64']).default('utf8'),
  // Range and whole-number checks are the cluster's, so the API and the shell give the same message.
  ttl: z.number().optional(),
  /** Replicas that must acknowledge: one, majority or all (checked by the cluster, as `?w=` is). */
  w: z.string().optional(),
});

/**
 * `?w=` or `?r=`, left for the cluster to check (a bad one is refused there with `invalid_level`), so the API and the
 * shell say the same; absent: the cluster's default level.
 */
export function levelQuery(request: Request, name: 'w' | 'r'): Level | undefined {
  const value = new URL(request.url).searchParams.get(name);
  return value === null ? undefined : (value as Level);
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes a PUT body names, or null when `base64` text is not canonical base64 (Node would skip the bad characters). */
export function valueBytes(body: z.infer<typeof putBody>): Buffer | null {
  if (body.encoding === 'utf8') return Buffer.from(body.value, 'utf8');
  return BASE64.test(body.value) ? Buffer.from(body.value, 'base64') : null;
}

/** A stored value as JSON: the text when it is printable UTF-8, else base64, with `encoding` saying which. */
export function valueJson(value: Buffer): { value: string; encoding: 'utf8' | 'base64' } {
  const { text, encoding } = describeValue(value);
  return { value: text, encoding };
}
