// The `ringside` command: the interactive shell, one-shot commands, and the offline placement calculator.
import { Cluster } from '@/lib/cluster/cluster';
import { dataDirFromEnv } from '@/lib/cluster/state';
import { argvWords, UsageError } from './shell/args';
import { helpText } from './shell/commands';
import { offlineLocate, offlineUsage } from './shell/offline-locate';
import { runShell, runWords } from './shell/repl';

const USAGE = `usage: npm run ringside [-- shell] [--json]
       npm run ringside -- <command> [args...] [--json]
       npm run ringside -- ${offlineUsage}

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
  const head = cut < 0 ? argv : argv.slice(0, cut);
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

  const dataDir = dataDirFromEnv();
  const shell = command === 'shell';
  if (shell && rest.length > 0) throw new UsageError(`shell takes no arguments besides --json\n${USAGE}`);
  const cluster = await Cluster.open({
    dataDir,
    probeIntervalMs: shell ? 1000 : false,
    bootstrapLocalNodes: Number(process.env.RINGSIDE_BOOTSTRAP_NODES ?? 3),
  });
  try {
    if (shell) return await runShell(cluster, { json, dataDir });
    const result = await runWords(cluster, argvWords([command, ...rest]), null);
    if (result === null || result === 'exit') return 0;
    const text = json ? JSON.stringify(result.json) : result.text;
    (result.ok || json ? process.stdout : process.stderr).write(`${text}\n`);
    if (result.ok) return 0;
    return (result.json as { error?: string }).error === 'usage' ? 2 : 1;
  } finally {
    await cluster.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    if (error instanceof UsageError) {
      console.error(error.message);
      process.exit(2);
    }
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);
