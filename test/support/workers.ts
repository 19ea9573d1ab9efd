/**
 * Worker processes for the exactly-once crash tests: `npx tsx src/main.ts worker` against a
 * test app's database, each in its own process group so a kill reaches npx → tsx → node, as a
 * crash would.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { TestApp } from './harness.js';

export interface Worker {
  child: ChildProcess;
  exited: Promise<void>;
}

/** Starts workers for `app` with `env` added (the providers' settings); `killAll` ends any left. */
export function workerProcesses(app: () => TestApp, env: () => Record<string, string>) {
  const started: ChildProcess[] = [];
  return {
    start(): Worker {
      const t = app();
      const child = spawn('npx', ['tsx', 'src/main.ts', 'worker'], {
        cwd: process.cwd(),
        detached: true,
        stdio: ['ignore', 'ignore', 'inherit'],
        env: {
          ...process.env,
          DATABASE_URL: t.config.databaseUrl,
          DATA_DIR: t.dir,
          DEMO_SEED: '0',
          DEV_CLOCK: '1',
          LOG_LEVEL: 'error',
          ...env(),
        },
      });
      started.push(child);
      return { child, exited: new Promise<void>((resolve) => child.once('exit', () => resolve())) };
    },
    kill(child: ChildProcess, signal: NodeJS.Signals) {
      if (child.pid) process.kill(-child.pid, signal);
    },
    killAll() {
      for (const p of started) if (p.exitCode === null && p.signalCode === null && p.pid) process.kill(-p.pid, 'SIGKILL');
    },
  };
}

/** Polls `probe` until it gives a value (work other processes do; never a way to wait for time). */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 30_000): Promise<T> {
  const end = performance.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (performance.now() > end) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
