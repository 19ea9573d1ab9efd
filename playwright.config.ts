/**
 * Browser tests (npm run test:e2e): the real server, built web app and Debian's
 * Chromium. The server gets a fresh data directory, the demo seed and the
 * movable clock, on a free port. Specs run in order in one worker: the time
 * machine moves the clock for everyone, so it runs last.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from '@playwright/test';

// The config is loaded again in each worker: the main process picks the port and directory once and passes them on.
if (!process.env.RC_E2E_PORT)
  process.env.RC_E2E_PORT = execFileSync(process.execPath, [
    '-e',
    "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})",
  ])
    .toString()
    .trim();
if (!process.env.RC_E2E_DIR) {
  process.env.RC_E2E_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-e2e-'));
  // A fresh accessibility log per run (e2e/support.ts appends one line per page checked).
  fs.rmSync(path.join('playwright-report', 'axe.jsonl'), { force: true });
}

const port = process.env.RC_E2E_PORT;
const dir = process.env.RC_E2E_DIR;
const baseURL = `http://127.0.0.1:${port}`;

export default defineConfig({
  testDir: 'e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: [['list']],
  globalTeardown: './e2e/teardown.ts',
  use: {
    baseURL,
    locale: 'en-US',
    timezoneId: 'UTC',
    viewport: { width: 1280, height: 800 },
    trace: 'off',
    screenshot: 'only-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  webServer: {
    command: 'npm run build:web && npx tsx src/main.ts serve',
    url: `${baseURL}/readyz`,
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      HOST: '127.0.0.1',
      PORT: port,
      PUBLIC_URL: baseURL,
      DATA_DIR: dir,
      DATABASE_URL: process.env.E2E_DATABASE_URL ?? `sqlite://${path.join(dir, 'rc.sqlite')}`,
      DEMO_SEED: '1',
      DEV_CLOCK: '1',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_LOGIN: '1000',
      RATE_LIMIT_OPEN_CASE: '1000',
      RATE_LIMIT_ACTIONS: '1000',
      RATE_LIMIT_UPLOADS: '1000',
    },
  },
});
