import 'server-only';
// Shared by the node routes: the `{id}` path segment and the optional JSON bodies.
import { z } from 'zod';

/** What Next passes an `[id]` route: the segment, already percent-decoded once. */
export interface NodeContext {
  params: Promise<{ id: string }>;
}

export async function idOf(context: NodeContext): Promise<string> {
  return (await context.params).id;
}

// Types only: ranges and id rules are the cluster's, so every adapter gives the same message.
export const addBody = z.strictObject({ id: z.string().optional(), address: z.string().optional(), vnodes: z.number().optional() }).nullable();
export const vnodesBody = z.strictObject({ vnodes: z.number() });
