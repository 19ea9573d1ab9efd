/**
 * Prometheus metrics at /metrics (platform key): request latency, and gauges
 * read from the database at scrape time — cases by status, outbox depth and
 * oldest age, deadline lag, failed remedies — so every instance reports the
 * same truth however many run.
 */
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import { requirePlatform } from '../http/auth.js';

const seconds = (fromIso: string | null | undefined, now: Date) =>
  fromIso ? Math.max(0, (now.getTime() - Date.parse(fromIso)) / 1000) : 0;

export function registerMetrics(app: FastifyInstance, db: Kysely<DB>, clock: Clock): void {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'rc_process_' });

  const latency = new Histogram({
    name: 'rc_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  app.addHook('onResponse', async (req, reply) => {
    latency.observe(
      { method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  new Gauge({
    name: 'rc_cases',
    help: 'Cases by status',
    labelNames: ['status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('cases')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .groupBy('status')
        .execute();
      for (const r of rows) this.set({ status: r.status }, Number(r.n));
    },
  });
  new Gauge({
    name: 'rc_outbox_rows',
    help: 'Outbox rows by kind and status (pending is the depth; dead needs an operator)',
    labelNames: ['kind', 'status'],
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await db
        .selectFrom('outbox')
        .select(['kind', 'status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('status', 'in', ['pending', 'dead'])
        .groupBy(['kind', 'status'])
        .execute();
      for (const r of rows) this.set({ kind: r.kind, status: r.status }, Number(r.n));
    },
  });
  new Gauge({
    name: 'rc_outbox_oldest_pending_age_seconds',
    help: 'Age of the oldest pending outbox row',
    registers: [registry],
    async collect() {
      const row = await db
        .selectFrom('outbox')
        .select((eb) => eb.fn.min('created_at').as('oldest'))
        .where('status', '=', 'pending')
        .executeTakeFirst();
      this.set(seconds(row?.oldest, clock.now()));
    },
  });
  new Gauge({
    name: 'rc_deadline_lag_seconds',
    help: 'How long the most overdue deadline or appeal window has waited for the worker (0 when none is overdue)',
    registers: [registry],
    async collect() {
      const now = clock.now();
      const at = now.toISOString();
      const due = await db
        .selectFrom('cases')
        .select((eb) => eb.fn.min('due_at').as('t'))
        .where('due_at', '<=', at)
        .executeTakeFirst();
      const appeal = await db
        .selectFrom('cases')
        .select((eb) => eb.fn.min('appeal_deadline').as('t'))
        .where('appeal_deadline', '<=', at)
        .executeTakeFirst();
      this.set(Math.max(seconds(due?.t, now), seconds(appeal?.t, now)));
    },
  });
  new Gauge({
    name: 'rc_remedy_failures',
    help: 'Closed cases whose refund failed and wait for staff (retry or credit instead)',
    registers: [registry],
    async collect() {
      const row = await db
        .selectFrom('cases')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('remedy_failed', '=', 1)
        .executeTakeFirst();
      this.set(Number(row?.n ?? 0));
    },
  });

  app.get('/metrics', { preHandler: requirePlatform, schema: { hide: true } }, async (_req, reply) => {
    await clock.sync();
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
