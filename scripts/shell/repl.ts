// The interactive shell: a prompt with history and completion, or one command per line from a pipe; in process or attached to a dashboard.
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import { commands, describeEvent, findCommand, helpText, type Output, type Prepared } from './commands';
import { splitWords, UsageError, type Word } from './args';
import { PortFailure, type ClusterPort } from './port';

const HISTORY_LINES = 1000;

const usageFailure = (message: string): Output => ({ ok: false, json: { ok: false, error: 'usage', message }, text: message });

/** Runs one typed command line; usage mistakes become failed outputs rather than exceptions. */
export async function runLine(cluster: ClusterPort, line: string): Promise<Output | 'exit' | null> {
  let words;
  try {
    words = splitWords(line);
  } catch (error) {
    return usageFailure((error as Error).message);
  }
  return runWords(cluster, words, line);
}

/**
 * What a command line asks for, checked before anything runs: nothing (a blank line or a comment), `exit`,
 * an output needing no cluster (help, a usage mistake), or the command's call into the cluster.
 */
export type Step = null | 'exit' | Output | { startsCluster: boolean; run: Prepared };

export function prepareWords(words: Word[], line: string | null): Step {
  if (words.length === 0 || words[0].text.startsWith('#')) return null;
  const name = words[0].text.toLowerCase();
  if (name === 'exit' || name === 'quit') return 'exit';
  if (name === 'help' || name === '?') return { ok: true, json: { ok: true, commands: Object.keys(commands) }, text: helpText() };
  const command = findCommand(name);
  if (!command) return usageFailure(`unknown command ${name}; type help`);
  try {
    return { startsCluster: command.startsCluster === true, run: command.prepare(words.slice(1), line) };
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(error.message);
    throw error;
  }
}

/** Runs a prepared step; a port's failure becomes a failed output. */
export async function runStep(cluster: ClusterPort, step: Step): Promise<Output | 'exit' | null> {
  if (step === null || step === 'exit' || !('run' in step)) return step;
  try {
    return await step.run(cluster);
  } catch (error) {
    if (error instanceof PortFailure) return { ok: false, json: error.failure, text: `error (${error.failure.error}): ${error.failure.message}` };
    throw error;
  }
}

/** Runs a command from words already split (the command line's arguments, with `line` null). */
export function runWords(cluster: ClusterPort, words: Word[], line: string | null): Promise<Output | 'exit' | null> {
  return runStep(cluster, prepareWords(words, line));
}

/** `attachedTo` names the dashboard a remote cluster drives, for the greeting. */
export async function runShell(cluster: ClusterPort, options: { json: boolean; dataDir: string; attachedTo?: string }): Promise<number> {
  const interactive = Boolean(process.stdin.isTTY);
  const historyFile = path.join(options.dataDir, 'history');
  const history = interactive ? await loadHistory(historyFile) : [];
  // Asked first, so a dashboard that does not answer stops the shell before it opens.
  const ring = interactive ? await cluster.ringSummary() : null;
  const rl = readline.createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: interactive,
    history,
    historySize: HISTORY_LINES,
    prompt: 'ringside> ',
    completer: (line: string, done: (error: null, result: [string[], string]) => void) => {
      complete(cluster, line).then(
        (result) => done(null, result),
        () => done(null, [[], line]),
      );
    },
  });
  // Events from background probes and repairs are shown between commands; a command's own result says the rest.
  let running = false;
  // Only a person sees them: a pipe needs no subscription (remotely, a stream kept open).
  const unsubscribe = !interactive
    ? () => undefined
    : cluster.events.subscribe((event) => {
        if (event.type === 'move-progress') {
          // A progress line, overwritten in place while keys move.
          const width = 30;
          const filled = Math.round((event.done / Math.max(1, event.total)) * width);
          process.stdout.write(`\r\x1b[K${event.reason} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${event.done}/${event.total} copies`);
          if (event.done === event.total) process.stdout.write('\r\x1b[K');
          return;
        }
        if (running) return;
        process.stdout.write(`\r\x1b[K[${describeEvent(event)}]\n`);
        rl.prompt(true);
      });
  if (ring) {
    const where = options.attachedTo ? ` attached to ${options.attachedTo}` : '';
    console.log(`Ringside shell${where}: ${ring.nodes.length} nodes, ring version ${ring.version}. Type help.`);
    rl.prompt();
  }
  let failures = 0;
  for await (const line of rl) {
    if (interactive && line.trim()) await appendFile(historyFile, `${line}\n`).catch(() => undefined);
    let result: Output | 'exit' | null;
    running = true;
    try {
      result = await runLine(cluster, line);
    } catch (error) {
      result = { ok: false, json: { ok: false, error: 'internal', message: String(error) }, text: `internal error: ${(error as Error).stack ?? error}` };
    } finally {
      running = false;
    }
    if (result === 'exit') break;
    if (result) {
      if (!result.ok) failures++;
      const text = options.json ? JSON.stringify(result.json) : result.text;
      (result.ok || options.json ? process.stdout : process.stderr).write(`${text}\n`);
    }
    if (interactive) rl.prompt();
  }
  unsubscribe();
  rl.close();
  return failures > 0 && !interactive ? 1 : 0;
}

async function loadHistory(file: string): Promise<string[]> {
  await mkdir(path.dirname(file), { recursive: true });
  const text = await readFile(file, 'utf8').catch(() => '');
  // readline wants the newest entry first.
  return text.split('\n').filter(Boolean).slice(-HISTORY_LINES).reverse();
}

async function complete(cluster: ClusterPort, line: string): Promise<[string[], string]> {
  const words = line.split(/\s+/);
  const last = words[words.length - 1];
  const candidates = words.length <= 1 ? [...Object.keys(commands), 'help', 'exit'] : (await cluster.nodes()).map((n) => n.id);
  const hits = candidates.filter((c) => c.startsWith(last));
  return [hits.length ? hits : candidates, last];
}
