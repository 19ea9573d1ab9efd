/** The upload section: upload-memory.ts in its own process, its RESULT line read back. */
import { spawn } from 'node:child_process';
import path from 'node:path';

export async function uploadSuite(): Promise<{ growthMiB: number; limitMiB: number } | null> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(import.meta.dirname, 'upload-memory.ts')], {
    // The upload figure is the embedded default's: local disk, SQLite.
    env: Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== 'DATABASE_URL')),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
    process.stderr.write(`  ${d.toString().trimEnd().replaceAll('\n', '\n  ')}\n`);
  });
  await new Promise((resolve) => child.once('exit', resolve));
  const m = /^RESULT (.*)$/m.exec(out);
  return m ? (JSON.parse(m[1]!) as { growthMiB: number; limitMiB: number }) : null;
}
