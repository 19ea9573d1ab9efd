import fs from 'node:fs';

/** Removes the server's temporary data directory. */
export default function teardown() {
  const dir = process.env.RC_E2E_DIR;
  if (dir && dir.includes('rc-e2e-')) fs.rmSync(dir, { recursive: true, force: true });
}
