// The end-to-end tests' web server: `next build`, then `next start` on a private copy of the build, because
// other engineers build into the same `.next` meanwhile and a server whose files change under it fails at random.
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import path from 'node:path';

const root = process.cwd();
const nextBin = path.join(root, 'node_modules/next/dist/bin/next');
const target = process.env.E2E_BUILD_DIR;
const port = process.env.E2E_PORT;
if (!target || !port) throw new Error('E2E_BUILD_DIR and E2E_PORT must be set (playwright.config.ts sets them)');

const buildId = () => (existsSync(path.join(root, '.next/BUILD_ID')) ? readFileSync(path.join(root, '.next/BUILD_ID'), 'utf8') : null);

function build() {
  for (;;) {
    try {
      execFileSync(process.execPath, [nextBin, 'build'], { cwd: root, stdio: 'pipe', maxBuffer: 64 * 1024 * 1024 });
      return;
    } catch (error) {
      const output = `${error.stdout ?? ''}${error.stderr ?? ''}`;
      if (!/Another next build process is already running/.test(output)) {
        process.stderr.write(output);
        process.exit(1);
      }
      execFileSync('sleep', ['2']);
    }
  }
}

/** Copies `.next` (without caches) and what `next start` reads; false when another build changed it meanwhile. */
function copy() {
  const before = buildId();
  rmSync(target, { recursive: true, force: true });
  const skip = new Set(['cache', 'dev', 'lock', 'trace', 'diagnostics'].map((name) => path.join(root, '.next', name)));
  cpSync(path.join(root, '.next'), path.join(target, '.next'), { recursive: true, verbatimSymlinks: true, filter: (source) => !skip.has(source) });
  if (before === null || buildId() !== before || readFileSync(path.join(target, '.next/BUILD_ID'), 'utf8') !== before) return false;
  symlinkSync(path.join(root, 'node_modules'), path.join(target, 'node_modules'));
  for (const file of ['package.json', 'next.config.ts']) cpSync(path.join(root, file), path.join(target, file));
  if (existsSync(path.join(root, 'public'))) cpSync(path.join(root, 'public'), path.join(target, 'public'), { recursive: true });
  return true;
}

do build();
while (!copy());

const server = spawn(process.execPath, [nextBin, 'start', target, '-H', '127.0.0.1', '-p', port], { cwd: target, stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
