/**
 * Writes the service's OpenAPI document to clients/typescript/openapi.json, from a
 * server built in memory (SQLite in a temp dir; nothing listens). `npm run openapi`
 * then lints it and regenerates the client's types from it.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-openapi-'));
const out = process.argv[2] ?? 'clients/typescript/openapi.json';
try {
  const config = loadConfig({
    DATA_DIR: dir,
    DATABASE_URL: `sqlite://${path.join(dir, 'db.sqlite')}`,
    DEMO_SEED: '0',
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'https://resolution-center.example',
    // Provider event routes exist only when configured: configure them so the document has them.
    STRIPE_WEBHOOK_SECRET: 'whsec_document',
    PAYPAL_WEBHOOK_ID: 'WH-DOCUMENT',
    PAYPAL_CLIENT_ID: 'document',
    PAYPAL_CLIENT_SECRET: 'document',
  });
  const app = await createApp(config);
  const res = await app.server.inject({ method: 'GET', url: '/api/v1/openapi.json' });
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(JSON.parse(res.body), null, 2)}\n`);
  await app.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
