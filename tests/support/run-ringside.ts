// Runs the `ringside` command as a user would, in a child process with its own data directory.
import { execFile } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** The signal that ended the process, if one did. */
  signal: string | null;
}

export function runRingside(dataDir: string, args: string[], input = '', extraEnv: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(
      path.join(root, 'node_modules/.bin/tsx'),
      ['--conditions=react-server', path.join(root, 'scripts/ringside.ts'), ...args],
      { cwd: root, env: { ...process.env, RINGSIDE_DATA_DIR: dataDir, RINGSIDE_BOOTSTRAP_NODES: '3', ...extraEnv }, timeout: 60_000 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr, signal: (error as { signal?: string } | null)?.signal ?? null }),
    );
    child.stdin!.end(input);
  });
}
