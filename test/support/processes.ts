/** Real service processes (`serve`, `worker`) for multi-instance and crash tests. */
import { type ChildProcess, spawn } from 'node:child_process';
import net from 'node:net';

export interface Proc {
  child: ChildProcess;
  port: number;
  url: string;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * Starts `node --import tsx src/main.ts <args>` and resolves when it says it is ready.
 * Node itself is the child (not the `tsx` wrapper), so a signal reaches the service.
 */
export async function startProcess(args: string[], env: Record<string, string>, port?: number): Promise<Proc> {
  const p = port ?? (await freePort());
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', ...args], {
    env: { ...process.env, LOG_LEVEL: process.env.PROC_LOG_LEVEL ?? 'warn', PORT: String(p), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/running at|worker started/.test(out)) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exit.then((code) => reject(new Error(`${args.join(' ')} exited ${code}: ${out}`)));
  });
  return {
    child,
    port: p,
    url: `http://127.0.0.1:${p}`,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      return exit;
    },
  };
}

/** Polls until `ok` holds (for work other processes do; not a way to wait for time). */
export async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, what = 'condition'): Promise<T> {
  let last: T | undefined;
  for (let i = 0; i < 600; i++) {
    last = await probe();
    if (ok(last)) return last;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} never held; last: ${JSON.stringify(last)}`);
}
