/** The processes under load: the service, the bare baseline and the floor, each started from its script and ready on a port. */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

export interface Server {
  base: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export function startServer(script: string, env: Record<string, string>, flags: string[] = []): Promise<Server> {
  const child = spawn(process.execPath, [...flags, '--import', 'tsx', path.join(import.meta.dirname, script)], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      const m = /^ready (\d+)$/m.exec(d.toString());
      if (m)
        resolve({
          base: `http://127.0.0.1:${m[1]}`,
          child,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

/** The service as production runs it, apart from the raised rate limits. */
export function appEnv(url: string, dataDir: string): Record<string, string> {
  return {
    DATABASE_URL: url,
    DATA_DIR: dataDir,
    PORT: '0',
    DEMO_SEED: '0',
    DEV_CLOCK: '0',
    LOG_LEVEL: 'warn',
    VALIDATE_RESPONSES: '0',
    RATE_LIMIT_OPEN_CASE: '100000000',
    RATE_LIMIT_ACTIONS: '100000000',
    RATE_LIMIT_LOGIN: '100000000',
    RATE_LIMIT_UPLOADS: '100000000',
  };
}
