// The dashboard: the live ring of the process's cluster, with its nodes, keys, balance and events.
import Link from 'next/link';
import { BalanceChart } from '@/components/balance-chart';
import { ClusterStatus } from '@/components/cluster-status';
import { EventLog } from '@/components/event-log';
import { GenerateForm } from '@/components/keys/generate-form';
import { KeyFilterProvider } from '@/components/keys/key-filter';
import { KeyForm } from '@/components/keys/key-form';
import { KeyList } from '@/components/keys/key-list';
import { LiveProvider } from '@/components/live/live-provider';
import { NodesPanel } from '@/components/nodes/nodes-panel';
import { Panel } from '@/components/panel';
import { KeyFinder } from '@/components/ring/key-finder';
import { RingChart } from '@/components/ring/ring-chart';
import { RingLegend } from '@/components/ring/ring-legend';
import { SelectionDetails } from '@/components/ring/selection-details';
import { pageRefusal } from '@/app/guard';
import { SignIn } from '@/components/sign-in';
import { getCluster } from '@/lib/cluster/instance';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';
import { rememberSnapshot } from '@/lib/cluster/snapshot-history';

export const dynamic = 'force-dynamic';

async function loadSnapshot(): Promise<{ ok: true; snapshot: ClusterSnapshot; id: string } | { ok: false; message: string }> {
  try {
    // Remembered by id, so the page's first refetch is a delta of it.
    const snapshot = await (await getCluster()).snapshot();
    return { ok: true, snapshot, id: rememberSnapshot(snapshot) };
  } catch (error) {
    console.error('dashboard: could not open the cluster', error);
    return { ok: false, message: (error as Error).message };
  }
}

export default async function DashboardPage() {
  const refused = await pageRefusal();
  if (refused) return <SignIn refusal={refused} />;
  const loaded = await loadSnapshot();
  if (!loaded.ok) {
    return (
      <main className="mx-auto max-w-2xl space-y-3 p-8">
        <h1 className="text-2xl font-bold">Ringside</h1>
        <p className="rounded-md border border-red-300 bg-red-50 p-4 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">The cluster could not be opened: {loaded.message}</p>
        <p>
          Check that memcached is installed, then reload. The shell works too: <code>npm run ringside</code>.
        </p>
      </main>
    );
  }
  return (
    <LiveProvider initial={loaded.snapshot} initialId={loaded.id}>
      <KeyFilterProvider>
        <header className="flex flex-wrap items-center justify-between gap-x-6 gap-y-1 border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
          <div className="flex items-baseline gap-3">
            <h1 className="text-xl font-bold tracking-tight">Ringside</h1>
            <p className="hidden text-sm text-zinc-600 sm:block dark:text-zinc-400">a consistent hash ring over real memcached</p>
            <Link href="/lab" className="text-sm font-medium text-sky-800 underline underline-offset-2 dark:text-sky-300">
              Algorithm lab
            </Link>
          </div>
          <ClusterStatus />
        </header>
        <main className="grid grid-cols-1 gap-4 p-4 lg:grid-cols-[minmax(0,1fr)_minmax(0,28rem)]">
          <div className="min-w-0 space-y-4">
            <Panel title="Ring" id="ring">
              <div className="grid grid-cols-1 gap-4 md:grid-cols-[minmax(0,1fr)_14rem]">
                <RingChart />
                <div className="space-y-4">
                  <KeyFinder />
                  <SelectionDetails />
                  <RingLegend />
                </div>
              </div>
            </Panel>
            <Panel title="Keys" id="keys">
              <div className="grid grid-cols-1 gap-4 xl:grid-cols-2">
                <div className="space-y-4">
                  <KeyForm />
                  <GenerateForm />
                </div>
                <KeyList />
              </div>
            </Panel>
          </div>
          <div className="min-w-0 space-y-4">
            <Panel title="Nodes" id="nodes">
              <NodesPanel />
            </Panel>
            <Panel title="Balance" id="balance">
              <BalanceChart />
            </Panel>
            <Panel title="Event log" id="events">
              <EventLog />
            </Panel>
          </div>
        </main>
        <footer className="px-4 pb-6 text-sm text-zinc-600 dark:text-zinc-400">
          Every open tab shows the same cluster. Drive it from a terminal too: <code>npm run ringside -- shell</code>.
        </footer>
      </KeyFilterProvider>
    </LiveProvider>
  );
}
