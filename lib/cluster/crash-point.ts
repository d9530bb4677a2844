import 'server-only';
// A test hook: RINGSIDE_CRASH_AT=copying[:n] | switched | deleting[:n] makes this process SIGKILL itself at that point of a membership change.
import type { ChangePhase } from '../store/types';

interface CrashAt {
  phase: ChangePhase;
  /** Steps of the phase done before the crash (0: before the first). */
  after: number;
}

function crashAtFromEnv(text = process.env.RINGSIDE_CRASH_AT): CrashAt | null {
  const match = /^(copying|switched|deleting)(?::(\d+))?$/.exec(text?.trim() ?? '');
  if (!match) return null;
  return { phase: match[1] as ChangePhase, after: Number(match[2] ?? 0) };
}

const crashAt = crashAtFromEnv();

/** Dies on the spot, as a power cut or `kill -9` would, when the environment asks for a crash here. */
export function crashPoint(phase: ChangePhase, done = 0): void {
  if (crashAt && crashAt.phase === phase && crashAt.after === done) process.kill(process.pid, 'SIGKILL');
}
