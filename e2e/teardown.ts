import fs from 'node:fs';
import path from 'node:path';

/** Prints the accessibility summary and removes the server's temporary data directory. */
export default function teardown() {
  const log = path.join('playwright-report', 'axe.jsonl');
  if (fs.existsSync(log)) {
    const pages = fs
      .readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { page: string; violations: { id: string; impact: string }[] });
    const all = pages.flatMap((p) => p.violations.map((v) => `${v.impact} ${v.id} (${p.page})`));
    const serious = all.filter((v) => v.startsWith('serious') || v.startsWith('critical'));
    console.log(
      `axe-core: ${pages.length} page states checked, ${serious.length} serious or critical, ${all.length - serious.length} minor or moderate`,
    );
    for (const v of all) console.log(`  ${v}`);
  }
  const dir = process.env.RC_E2E_DIR;
  if (dir && dir.includes('rc-e2e-')) fs.rmSync(dir, { recursive: true, force: true });
}
