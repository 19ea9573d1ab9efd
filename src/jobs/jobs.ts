/**
 * The worker's jobs (SPEC §3, §5, §8): deadlines are rows, not timers. Each pass
 * asks the partial indexes for what is due now and applies it through the one
 * write path, so a crash or a second worker changes nothing: the
 * compare-and-set lets one win, and a plan that no longer applies is a no-op.
 */
import type { Kysely } from 'kysely';
import type { Logger } from 'pino';
import type { CaseService } from '../cases/service.js';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import type { OutboxWorker } from '../outbox/outbox.js';

const BATCH = 200;

/** A job run on every pass; returns how much it did, so a pass repeats while there is work. */
export type Job = () => Promise<number>;

export class Jobs {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly extra: Job[] = [];
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly cases: CaseService,
    private readonly outbox: OutboxWorker,
    private readonly log: Logger,
  ) {}

  /** Other capabilities (reminders, upload clean-up) add their periodic work here. */
  add(job: Job): void {
    this.extra.push(job);
  }

  async sweepDeadlines(): Promise<number> {
    const due = await this.db
      .selectFrom('cases')
      .select('id')
      .where('due_at', '<=', this.clock.now().toISOString())
      .orderBy('due_at')
      .limit(BATCH)
      .execute();
    for (const { id } of due) await this.cases.system(id, { type: 'expire' });
    return due.length;
  }

  async finalizeDecisions(): Promise<number> {
    const due = await this.db
      .selectFrom('cases')
      .select('id')
      .where('appeal_deadline', '<=', this.clock.now().toISOString())
      .orderBy('appeal_deadline')
      .limit(BATCH)
      .execute();
    for (const { id } of due) await this.cases.system(id, { type: 'finalize' });
    return due.length;
  }

  /**
   * Runs everything due now until nothing is left (bounded, in case something
   * keeps failing). Passes in one process queue behind each other, so the dev
   * clock's "run what is due" and the background loop never interleave.
   */
  runDue(): Promise<void> {
    const pass = this.queue.then(() => this.pass());
    this.queue = pass.catch(() => undefined);
    return pass;
  }

  /**
   * One step failing (a bad row, a provider down) must not starve the others: each
   * step's error is kept and the rest still run; the pass then reports the first.
   * The clock is re-read on every round so a moved dev clock applies mid-pass.
   */
  private async pass(): Promise<void> {
    const failures: unknown[] = [];
    const step = async (job: Job): Promise<number> => {
      try {
        return await job();
      } catch (err) {
        failures.push(err);
        return 0;
      }
    };
    for (let round = 0; round < 50; round++) {
      await this.clock.sync();
      let done = (await step(() => this.sweepDeadlines())) + (await step(() => this.finalizeDecisions()));
      for (const job of this.extra) done += await step(job);
      done += await step(() => this.outbox.runBatch());
      if (done === 0) break;
    }
    if (failures.length > 0) throw failures[0];
  }

  start(intervalMs = 1000): void {
    const tick = () => {
      this.running = this.runDue()
        .catch((err: unknown) => this.log.error({ err }, 'worker pass failed'))
        .finally(() => {
          this.running = null;
          if (this.timer) this.timer = setTimeout(tick, intervalMs);
        });
    };
    this.timer = setTimeout(tick, 0);
  }

  /** Stops after the current pass finishes (graceful shutdown). */
  async stop(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
  }
}
