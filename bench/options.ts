/** The runner's command line (see run.ts) and the sizes every section shares. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export type Dialect = 'sqlite' | 'postgres';

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
export const SECONDS = Number(opt('seconds', '6'));
export const CONNECTIONS = 32;
export const SIZES = opt('sizes', '10000,100000,1000000').split(',').map(Number);
export const PG_SIZES = opt('pg-sizes', SIZES.join(',')).split(',').map(Number);
export const ONLY = new Set(opt('only', 'http,writes,sweep,upload').split(','));
export const INSIGHTS_SIZES = opt('insights-sizes', '10000,1000000').split(',').map(Number);
export const DUE = 1000;
export const MERCHANT_CASES = 10_000;
export const PAGE = 25;
export const HISTORY_CASES = 100;
export const SHORT_HISTORY = 20;
export const LONG_HISTORY = 1000;
export const DEEP_PAGE = 361; // 9 000 cases into the cursor chain of 10 000
export const pgServer = process.env.DATABASE_URL && /^postgres(ql)?:\/\//.test(process.env.DATABASE_URL) ? process.env.DATABASE_URL : null;
const dbChoice = opt('db', pgServer ? 'both' : 'sqlite');
const PICK = opt('scenario', '');
export const want = (name: string) => name.includes(PICK);
export const CPU_PROF = opt('cpu-prof', '');
export const DIALECTS = (dbChoice === 'both' ? ['sqlite', 'postgres'] : [dbChoice]) as Dialect[];

/** Scratch space for the sections' databases and data directories; run.ts removes it when the run ends. */
export const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-bench-'));
/** Progress goes to stderr; stdout is the report. */
export const log = (s: string) => process.stderr.write(`${s}\n`);

/** Whether this is a partial run (some sections, scenarios or one database), which must not replace the full record. */
export const PARTIAL = args.includes('--only') || args.includes('--scenario') || args.includes('--db') || CPU_PROF !== '';
