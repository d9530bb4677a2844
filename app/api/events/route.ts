// GET /api/events: server-sent events. `cluster` carries each cluster event; `changed` (at most every 100 ms) says the snapshot moved on.
import { guarded } from '@/app/guard';
import { getCluster } from '@/lib/cluster/instance';

export const dynamic = 'force-dynamic';

const CHANGE_INTERVAL_MS = 100;
const HEARTBEAT_MS = 15_000;

export const GET = guarded(async (request: Request) => {
  const cluster = await getCluster();
  const encoder = new TextEncoder();
  let stop = () => undefined as void;
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          stop();
        }
      };
      let pending: NodeJS.Timeout | undefined;
      const unsubscribeEvents = cluster.events.subscribe((event) => send(`event: cluster\ndata: ${JSON.stringify(event)}\n\n`));
      // Writes come in bursts (a thousand fake keys): one notice per interval is enough to refetch.
      const unsubscribeChanges = cluster.onChange(() => {
        pending ??= setTimeout(() => {
          pending = undefined;
          send(`event: changed\ndata: ${JSON.stringify({ version: cluster.version })}\n\n`);
        }, CHANGE_INTERVAL_MS);
      });
      const heartbeat = setInterval(() => send(': keep-alive\n\n'), HEARTBEAT_MS);
      stop = () => {
        unsubscribeEvents();
        unsubscribeChanges();
        clearInterval(heartbeat);
        clearTimeout(pending);
      };
      request.signal.addEventListener('abort', () => {
        stop();
        try {
          controller.close();
        } catch {
          // already closed
        }
      });
      send(`event: hello\ndata: ${JSON.stringify({ version: cluster.version })}\n\n`);
    },
    cancel() {
      stop();
    },
  });
  return new Response(stream, {
    headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive' },
  });
});
