// End-to-end tests: a real Chromium (Debian's /usr/bin/chromium where present) against the production build and real local memcached.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defineConfig, devices } from '@playwright/test';

// One free loopback port and one fresh data directory for the whole run; workers inherit both through the environment.
process.env.E2E_PORT ??= execFileSync(process.execPath, [
  '-e',
  "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{process.stdout.write(String(s.address().port));s.close()})",
]).toString();
process.env.E2E_DATA_DIR ??= mkdtempSync(path.join(tmpdir(), 'ringside-e2e-'));
process.env.E2E_BUILD_DIR ??= mkdtempSync(path.join(tmpdir(), 'ringside-e2e-build-'));
const port = Number(process.env.E2E_PORT);
const systemChromium = '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 60_000,
  workers: 1,
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  // Stops the memcached processes the app started under the data directory, then deletes it and the build copy.
  globalTeardown: './e2e/global-teardown.ts',
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    screenshot: 'on',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        ...devices['Desktop Chrome'],
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          executablePath: existsSync(systemChromium) ? systemChromium : undefined,
          args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
        },
      },
    },
  ],
  webServer: {
    // `next build`, then `next start` on a private copy of the build (see e2e/serve-build.mjs).
    command: 'node e2e/serve-build.mjs',
    url: `http://127.0.0.1:${port}`,
    timeout: 300_000,
    reuseExistingServer: false,
    env: { NEXT_TELEMETRY_DISABLED: '1', RINGSIDE_DATA_DIR: process.env.E2E_DATA_DIR, RINGSIDE_BOOTSTRAP_NODES: '3' },
  },
});
