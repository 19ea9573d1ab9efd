/**
 * Tells every instance that something it keeps in memory changed: a session ended, a
 * person changed, the movable clock moved. On PostgreSQL a change publishes its topics
 * with NOTIFY in its own transaction (delivered when it commits) and every instance
 * listens on a dedicated connection; while that connection is down, `live` is false and
 * the caches read the database instead. SQLite has one serving process per file, so its
 * topics are delivered in process, after the commit.
 */
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { DB } from './schema.js';

/** `session:<token hash>`, `user:<user id>`, `clock`, or `all` (drop everything). */
export type Topic = `session:${string}` | `user:${string}` | 'clock' | 'all';

const CHANNEL = 'rc_changed';
const local = new Map<string, Set<Invalidations>>();
const RECONNECT_MS = 1000;

export class Invalidations {
  private readonly handlers: ((topic: Topic) => void)[] = [];
  private client: pg.Client | null = null;
  private closed = false;
  private retry: NodeJS.Timeout | null = null;
  /** Whether every change, on every instance, reaches `on`'s handlers. */
  live: boolean;

  private constructor(
    private readonly postgresUrl: string | null,
    private readonly peers: Set<Invalidations> = new Set([this]),
  ) {
    this.live = postgresUrl === null;
  }

  /** SQLite: the instances of this process on the same file (tests start several) hear each other. */
  static inProcess(file: string): Invalidations {
    let peers = local.get(file);
    if (!peers) local.set(file, (peers = new Set()));
    const inv = new Invalidations(null, peers);
    peers.add(inv);
    return inv;
  }

  /** Listens before it returns, so a change committed after this is seen. */
  static async listen(postgresUrl: string): Promise<Invalidations> {
    const inv = new Invalidations(postgresUrl);
    // Unreachable now: the caches read the database until a retry connects.
    await inv.connect().catch(() => undefined);
    return inv;
  }

  on(handler: (topic: Topic) => void): void {
    this.handlers.push(handler);
  }

  /** Call inside the change's transaction: other instances hear of it when it commits. */
  async publish(trx: Kysely<DB>, topics: Topic[]): Promise<void> {
    if (this.postgresUrl === null || topics.length === 0) return;
    const payload = topics.join(' ');
    // NOTIFY's payload must stay under 8000 bytes.
    await sql`select pg_notify(${CHANNEL}, ${payload.length > 7000 ? 'all' : payload})`.execute(trx);
  }

  /** Call after the change's commit: this instance drops what it kept at once. */
  changed(topics: Topic[]): void {
    for (const peer of this.peers) peer.heard(topics);
  }

  private heard(topics: Topic[]): void {
    for (const t of topics) for (const h of this.handlers) h(t);
  }

  /** Runs `change` in a transaction that publishes `topics`, and drops them here once it committed. */
  async within<T>(db: Kysely<DB>, topics: Topic[], change: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    const result = await db.transaction().execute(async (trx) => {
      const r = await change(trx);
      await this.publish(trx, topics);
      return r;
    });
    this.changed(topics);
    return result;
  }

  async close(): Promise<void> {
    this.closed = true;
    this.live = false;
    this.peers.delete(this);
    if (this.retry) clearTimeout(this.retry);
    const c = this.client;
    this.client = null;
    await c?.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.postgresUrl ?? undefined });
    const lost = () => {
      if (this.client !== client) return;
      this.client = null;
      this.down();
      if (!this.closed) {
        this.retry = setTimeout(() => void this.connect().catch(() => undefined), RECONNECT_MS);
        this.retry.unref();
      }
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (n) => {
      if (n.channel !== CHANNEL) return;
      this.heard((n.payload ?? 'all').split(' ') as Topic[]);
    });
    this.client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANNEL}`);
    } catch (err) {
      lost();
      throw err;
    }
    if (this.closed) return void (await client.end().catch(() => undefined));
    // Whatever changed while nobody listened is unknown: start again from the database.
    this.heard(['all']);
    this.live = true;
  }

  private down(): void {
    this.live = false;
    this.heard(['all']);
  }
}
