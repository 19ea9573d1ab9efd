/**
 * What the composition root (app.ts) assembles and route modules receive. Apart from
 * app.ts so that a module can take the services without importing the wiring.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { Sessions } from './auth/sessions.js';
import type { PaymentReads } from './cases/payment-reads.js';
import type { CaseQueries } from './cases/queries.js';
import type { ReviewQueue } from './cases/review-queue.js';
import type { CaseService } from './cases/service.js';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { Database } from './db/database.js';
import type { Invalidations } from './db/invalidations.js';
import type { DB } from './db/schema.js';
import type { ChargebackEvidence } from './disputes/evidence.js';
import type { Disputes } from './disputes/disputes.js';
import type { Storage } from './files/storage.js';
import type { Uploads } from './files/uploads.js';
import type { Counters } from './http/counters.js';
import type { Jobs } from './jobs/jobs.js';
import type { OutboxWorker } from './outbox/outbox.js';
import type { PlatformSync } from './platform/sync.js';

export interface Services {
  config: Config;
  database: Database;
  db: Kysely<DB>;
  clock: Clock;
  /** What instances keep in memory and must drop when it changes (sessions, the movable clock). */
  invalidations: Invalidations;
  cases: CaseService;
  queries: CaseQueries;
  reviewQueue: ReviewQueue;
  /** The customer's orders and credits. */
  paymentReads: PaymentReads;
  sessions: Sessions;
  platform: PlatformSync;
  disputes: Disputes;
  chargebackEvidence: ChargebackEvidence;
  outbox: OutboxWorker;
  jobs: Jobs;
  log: Logger;
  storage: Storage;
  uploads: Uploads;
  counters: Counters;
}
