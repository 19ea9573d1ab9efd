/**
 * The composition root: builds the service from its parts (database, clock,
 * providers, config). Tests build it with their own config and parts.
 */
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import { Sessions } from './auth/sessions.js';
import { PaymentReads } from './cases/payment-reads.js';
import { CaseQueries } from './cases/queries.js';
import { ReviewQueue } from './cases/review-queue.js';
import { CaseService, type EvidenceClaimer } from './cases/service.js';
import { Invalidations } from './db/invalidations.js';
import { Clock } from './clock.js';
import type { Config } from './config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { openCounters } from './http/counters.js';
import type { RouteModule } from './http/kit.js';
import { buildServer } from './http/server.js';
import type { Services } from './services.js';
import { purgeIdempotencyKeys } from './http/idempotency.js';
import { Jobs } from './jobs/jobs.js';
import { type OutboxHandler, OutboxWorker } from './outbox/outbox.js';
import type { Providers } from './payments/provider.js';
import { buildProviders } from './payments/providers.js';
import { remedyHandler } from './payments/remedies.js';
import { PlatformSync } from './platform/sync.js';
import { Disputes } from './disputes/disputes.js';
import { ChargebackEvidence } from './disputes/evidence.js';
import { disputeRefundHandler } from './disputes/refunds.js';
import { seedDemo } from './seed/demo.js';
import { webApp } from './web/static.js';
import { mailsHandler, notificationListener } from './notifications/listener.js';
import { emailHandler, reminderHandler } from './notifications/mail.js';
import { numberEvents, purgeWebhookEvents, webhookHandler } from './notifications/webhooks.js';
import { openStorage } from './files/open-storage.js';
import type { Storage } from './files/storage.js';
import { Uploads } from './files/uploads.js';

export interface AppParts {
  /** Replaces the wall clock's base (tests pin time; the movable offset still applies). */
  baseNow?: () => number;
  providers?: Providers;
  evidence?: EvidenceClaimer;
  /** Replaces the storage STORAGE_URL names. */
  storage?: Storage;
  logger?: Logger;
  outboxHandlers?: Record<string, OutboxHandler>;
  routes?: RouteModule[];
  /** Where the built web app lives (default web/dist). */
  webRoot?: string;
}

export function createLogger(config: Config, destination?: DestinationStream): Logger {
  const options: LoggerOptions = {
    level: config.logLevel,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        'req.headers["idempotency-key"]',
        'res.headers["set-cookie"]',
        '*.password',
        '*.token',
        '*.secret',
        '*.loginToken',
      ],
      censor: '[redacted]',
    },
  };
  return destination ? pino(options, destination) : pino(options);
}

export async function createApp(config: Config, parts: AppParts = {}) {
  const log = parts.logger ?? createLogger(config);
  const database = openDatabase(config.databaseUrl);
  const { db } = database;
  await migrateToLatest(db);
  const invalidations =
    database.dialect === 'postgres' ? await Invalidations.listen(config.databaseUrl) : Invalidations.inProcess(config.databaseUrl);
  const clock = new Clock(db, config.devClock, parts.baseNow, invalidations);
  await clock.sync();
  const storage = parts.storage ?? openStorage(config.storageUrl);
  const uploads = new Uploads(db, storage, config, log);
  const counters = openCounters(db, database.dialect, clock);
  const cases = new CaseService(db, clock, config, parts.evidence ?? uploads);
  cases.onChange(notificationListener(clock));
  const providers: Providers = parts.providers ?? buildProviders(config, () => clock.now(), log);
  // It builds case files, which read through the services assembled below.
  const chargebackEvidence = new ChargebackEvidence(db, () => services, providers);
  const outbox = new OutboxWorker(
    db,
    database.dialect,
    clock,
    {
      remedy: remedyHandler(db, cases, providers),
      dispute_refund: disputeRefundHandler(db, clock, providers),
      mails: mailsHandler(db, config, clock),
      email: emailHandler(db, config, clock),
      webhook: webhookHandler(db, clock, config.production),
      reminder: reminderHandler(cases),
      dispute_evidence: chargebackEvidence.handler(),
      ...parts.outboxHandlers,
    },
    log,
  );
  const jobs = new Jobs(db, clock, cases, outbox, log);
  jobs.add(() => purgeIdempotencyKeys(db, clock.now()));
  jobs.add(() => uploads.purgeUnused(clock.now()));
  jobs.add(() => counters.purge());
  jobs.add(() => purgeWebhookEvents(db, clock.now()));
  // Numbering takes every waiting event at once: it leaves no work for another round of the pass.
  jobs.add(async () => (await numberEvents(db), 0));
  const disputes = new Disputes(db, clock, cases);
  const services: Services = {
    config,
    database,
    db,
    clock,
    invalidations,
    cases,
    queries: new CaseQueries(db),
    reviewQueue: new ReviewQueue(db),
    paymentReads: new PaymentReads(db, config),
    sessions: new Sessions(db, clock, config, counters, invalidations),
    platform: new PlatformSync(db, clock, cases, disputes, invalidations),
    disputes,
    chargebackEvidence,
    outbox,
    jobs,
    log,
    storage,
    uploads,
    counters,
  };
  const seeded = config.demoSeed ? await seedDemo(services) : false;
  const server = await buildServer(services, log, [...(parts.routes ?? []), webApp(parts.webRoot)]);
  return {
    services,
    server,
    seeded,
    async close() {
      await jobs.stop();
      outbox.close();
      // Node closes idle keep-alive connections only once, when close starts; a response that
      // finishes later would hold its socket until the keep-alive timeout. Sweep until closed.
      const sweep = setInterval(() => server.server.closeIdleConnections(), 50);
      await server.close().finally(() => clearInterval(sweep));
      await invalidations.close();
      await database.close();
    },
  };
}

export type App = Awaited<ReturnType<typeof createApp>>;
