// The algorithm lab: how Ringside's ring and other hashing algorithms would shard this cluster's keys, and what a change would move.
import Link from 'next/link';
import { pageRefusal } from '@/app/guard';
import { LabView } from '@/components/lab/lab-view';
import { SignIn } from '@/components/sign-in';
import { getCluster } from '@/lib/cluster/instance';
import { labNodesOf } from '@/lib/lab';

export const dynamic = 'force-dynamic';

/** The first node-N the cluster does not have: the id the proposal starts with. */
function freeId(ids: readonly string[]): string {
  for (let n = ids.length + 1; ; n++) if (!ids.includes(`node-${n}`)) return `node-${n}`;
}

export default async function LabPage() {
  const refused = await pageRefusal();
  if (refused) return <SignIn refusal={refused} />;
  let loaded: { nodes: { id: string; weight: number }[]; keys: number } | { message: string };
  try {
    const cluster = await getCluster();
    const snapshot = await cluster.snapshot();
    // The nodes as the lab's actions take them: the ring's, in its order (jump's last bucket is the last node's).
    loaded = { nodes: labNodesOf(cluster.currentRing.nodes), keys: snapshot.keyCount };
  } catch (error) {
    console.error('lab: could not open the cluster', error);
    loaded = { message: (error as Error).message };
  }
  return (
    <>
      <header className="flex flex-wrap items-center justify-between gap-x-6 gap-y-1 border-b border-zinc-200 px-4 py-2 dark:border-zinc-800">
        <div className="flex items-baseline gap-3">
          <h1 className="text-xl font-bold tracking-tight">Ringside algorithm lab</h1>
          <p className="hidden text-sm text-zinc-600 sm:block dark:text-zinc-400">how other hashing algorithms would shard these keys</p>
        </div>
        <Link href="/" className="text-sm font-medium text-sky-800 underline underline-offset-2 dark:text-sky-300">
          Back to the dashboard
        </Link>
      </header>
      <main className="p-4">
        {'message' in loaded ? (
          <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-4 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-100">
            The cluster could not be opened: {loaded.message}
          </p>
        ) : (
          <LabView nodes={loaded.nodes} liveKeys={loaded.keys} suggestedId={freeId(loaded.nodes.map((n) => n.id))} />
        )}
      </main>
    </>
  );
}
