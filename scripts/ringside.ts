// The `ringside` command: the interactive shell, one-shot commands (in process, or on a dashboard with --url), and the offline placement calculator.
import { Cluster } from '@/lib/cluster/cluster';
import { dataDirFromEnv } from '@/lib/cluster/state';
import { findCluster } from '@/lib/store/open-store';
import { argvWords, UsageError } from './shell/args';
import { helpText, type Output } from './shell/commands';
import { drillCommand, drillUsage } from './shell/drill';
import { offlineLocate, offlineUsage } from './shell/offline-locate';
import { PortFailure, type ClusterPort } from './shell/port';
import { parseBaseUrl, RemoteCluster } from './shell/remote';
import { prepareWords, runShell, runStep } from './shell/repl';

const USAGE = `usage: npm run ringside [-- shell] [--json] [--url <dashboard>]
       npm run ringside -- <command> [args...] [--json] [--url <dashboard>]
       npm run ringside -- ${offlineUsage}
       npm run ringside -- ${drillUsage}

With --url (e.g. http://localhost:3000) the shell and commands drive a running dashboard through its
REST API, so the browser shows what they change; without it they open the cluster in this process.

Environment: RINGSIDE_DATA_DIR (default .ringside), RINGSIDE_BOOTSTRAP_NODES (local nodes started
for a new cluster, default 3), RINGSIDE_ALLOWED_HOSTS (hosts besides loopback that nodes may use).

${helpText()}`;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(argv: string[]): Promise<number> {
  const cut = argv.indexOf('--');
  const { head, url } = takeUrl(cut < 0 ? argv : argv.slice(0, cut));
  const json = head.includes('--json');
  const args = [...head.filter((a) => a !== '--json'), ...(cut < 0 ? [] : argv.slice(cut))];
  const [command = 'shell', ...rest] = args;

  if (command === 'help' || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  if (command === 'locate' && rest.some((a) => a === '--nodes' || a.startsWith('--nodes='))) {
    const result = await offlineLocate(argvWords(rest), readStdin);
    console.log(json ? JSON.stringify(result.json) : result.text);
    return 0;
  }

  if (command === 'drill') {
    if (url) throw new UsageError('drill runs on a throwaway local cluster of its own; it takes no --url');
    const run = await drillCommand(argvWords(rest), (line) => console.error(line));
    console.log(json ? JSON.stringify({ ok: run.ok, settling: run.settling, drills: run.reports }) : run.text);
    return run.ok ? 0 : 1;
  }

  const dataDir = dataDirFromEnv();
  const shell = command === 'shell';
  if (shell && rest.length > 0) throw new UsageError(`shell takes no arguments besides --json and --url\n${USAGE}`);
  // A one-shot command is checked before any cluster is opened: a mistake starts nothing.
  const step = shell ? null : prepareWords(argvWords([command, ...rest]), null);
  if (step === null && !shell) return 0;
  if (step === 'exit') return 0;
  if (step && !('run' in step)) return printOutput(step, json);
  // An offline command (compare --nodes) never touches its cluster: none is opened or created.
  if (step && step.run.offline) return printOutput(await step.run(undefined as never), json);
  if (step && !step.startsCluster && !url) {
    const { found, where } = await findCluster(dataDir);
    if (!found) {
      console.error(`no cluster in ${where} yet: \`npm start\` (the dashboard) or \`npm run ringside\` (the shell) starts one with local memcached nodes; --url drives a running dashboard`);
      return 1;
    }
  }
  const cluster: ClusterPort = url
    ? new RemoteCluster(url)
    : await Cluster.open({
        dataDir,
        probeIntervalMs: shell ? 1000 : false,
        bootstrapLocalNodes: Number(process.env.RINGSIDE_BOOTSTRAP_NODES ?? 3),
      });
  try {
    if (!step) return await runShell(cluster, { json, dataDir, attachedTo: url ?? undefined });
    const result = await runStep(cluster, step);
    return result === null || result === 'exit' ? 0 : printOutput(result, json);
  } finally {
    await cluster.close();
  }
}

/** Prints a command's output (failures on stderr unless JSON was asked for) and returns the exit status. */
function printOutput(result: Output, json: boolean): number {
  const text = json ? JSON.stringify(result.json) : result.text;
  (result.ok || json ? process.stdout : process.stderr).write(`${text}\n`);
  if (result.status !== undefined) return result.status;
  if (result.ok) return 0;
  return (result.json as { error?: string }).error === 'usage' ? 2 : 1;
}

/** Takes `--url <base>` or `--url=<base>` out of the arguments before `--`, checked to be an http(s) URL. */
function takeUrl(head: string[]): { head: string[]; url: string | null } {
  const at = head.findIndex((a) => a === '--url' || a.startsWith('--url='));
  if (at < 0) return { head, url: null };
  const inline = head[at].startsWith('--url=');
  const text = inline ? head[at].slice('--url='.length) : head[at + 1];
  if (text === undefined) throw new UsageError('--url needs a value, e.g. --url http://localhost:3000');
  const parsed = parseBaseUrl(text);
  if (!parsed.ok) throw new UsageError(parsed.message);
  const remaining = [...head.slice(0, at), ...head.slice(at + (inline ? 1 : 2))];
  if (remaining.some((a) => a === '--url' || a.startsWith('--url='))) throw new UsageError('--url given twice');
  return { head: remaining, url: parsed.url };
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    if (error instanceof PortFailure) {
      console.error(`error (${error.failure.error}): ${error.failure.message}`);
      process.exit(1);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
