import 'server-only';
// The first look at a dashboard a client connects to by URL: a checked address, and whether its store is shared, in etcd, or not there at all.
import { callStore, type DashboardTarget } from '../store/dashboard-http';
import type { ConnectErrorCode } from './index';

export type Reached =
  | { ok: true; target: DashboardTarget }
  /** The dashboard keeps its state in etcd: the client connects to etcd itself. */
  | { ok: true; etcd: { endpoints: string[]; prefix: string } }
  | { ok: false; error: ConnectErrorCode; message: string };

/** The first answer decides; `deadlineMs` bounds every later call to the dashboard's store as well. */
export async function reachDashboard(url: string, token: string | undefined, deadlineMs = 2000): Promise<Reached> {
  const bad = (why: string): Reached => ({ ok: false, error: 'invalid_options', message: `url: ${JSON.stringify(url)} ${why}; expected the dashboard's address, like http://127.0.0.1:3000` });
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    return bad('is not a URL');
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return bad('is not http:// or https://');
  if (base.username || base.password) return bad("carries credentials: pass the dashboard's token as { token }");
  if (base.search || base.hash) return bad('has a query or fragment');
  const target: DashboardTarget = { base, token, deadlineMs };
  const looked = await callStore(target, 'state', {});
  if (looked.ok) return { ok: true, target };
  if (looked.status === null) return { ok: false, error: 'unavailable', message: `no Ringside dashboard answered at ${base.origin}: ${looked.message}` };
  if (looked.status === 401 || looked.status === 403) return { ok: false, error: 'unauthorized', message: `the dashboard at ${base.origin} refused this client: ${looked.message}` };
  if (looked.error === 'not_shared') {
    const etcd = looked.body?.etcd as { endpoints: string[]; prefix: string; credentials: boolean } | undefined;
    if (etcd && !etcd.credentials) return { ok: true, etcd: { endpoints: etcd.endpoints, prefix: etcd.prefix } };
    return { ok: false, error: 'unavailable', message: `${looked.message}; its etcd needs credentials, which a client connected by URL is not given` };
  }
  if (looked.error === 'not_a_dashboard' || looked.status === 404) return { ok: false, error: 'not_a_dashboard', message: looked.message };
  return { ok: false, error: 'unavailable', message: `the dashboard at ${base.origin} could not share its state: ${looked.message}` };
}
