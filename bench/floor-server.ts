/**
 * The write floor: what one durable write costs on this stack without the service.
 * Fastify with no plugins, the service's own database layer (`openDatabase`: on SQLite
 * the group-commit driver, same pragmas; on PostgreSQL the same pool), and a route that
 * inserts one row in a transaction and answers a stored body, like the bare route.
 * Prints "ready <port>".
 */
import crypto from 'node:crypto';
import Fastify from 'fastify';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const database = openDatabase(url);
const db = database.db;
await sql`create table if not exists bench_floor (id text primary key, body text not null)`.execute(db);

const app = Fastify({ logger: false });
const bodies = new Map<string, string>();
app.put<{ Params: { name: string }; Body: unknown }>('/bodies/:name', async (req) => {
  bodies.set(req.params.name, JSON.stringify(req.body));
  return { ok: true };
});
app.post<{ Params: { name: string } }>('/floor/:name', async (req, reply) => {
  const body = JSON.stringify(req.body);
  await db.transaction().execute((trx) => sql`insert into bench_floor (id, body) values (${crypto.randomUUID()}, ${body})`.execute(trx));
  reply.type('application/json; charset=utf-8');
  return bodies.get(req.params.name) ?? '{}';
});

await app.listen({ host: '127.0.0.1', port: 0 });
process.on('SIGTERM', () => void app.close().then(() => database.close().then(() => process.exit(0))));
const address = app.server.address();
process.stdout.write(`ready ${typeof address === 'object' && address ? address.port : ''}\n`);
