/**
 * People's sessions and one-use login links (SPEC §9). Tokens are random; only
 * their SHA-256 is stored, so a database leak yields no usable session.
 */
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { prepare } from '../db/prepared.js';
import type { Viewer } from '../cases/access.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { DomainError, RateLimited } from '../domain/errors.js';
import { addDuration } from '../domain/time.js';
import type { Invalidations, Topic } from '../db/invalidations.js';
import type { DB } from '../db/schema.js';
import { sha256 } from '../ids.js';
import type { Counters } from '../http/counters.js';
import { verifyPassword } from './passwords.js';

const LOGIN_LINK_MS = 15 * 60 * 1000;
/** SPEC §15: at most LOGIN_ACCOUNT_FAILURES failed logins per account in this window. */
export const ACCOUNT_WINDOW_MS = 15 * 60 * 1000;

/** Sessions kept in memory: at most this many, each for at most this long (a backstop; changes are announced). */
const CACHE_SIZE = 10_000;
const CACHE_MAX_AGE_MS = 30_000;

interface Cached {
  viewer: Viewer;
  userId: string;
  expiresAt: string;
  storedAt: number;
}

const invalidLogin = () => new DomainError('invalid_credentials', 'The email or password is not right.');

export class Sessions {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    private readonly config: Config,
    private readonly counters: Counters,
    private readonly invalidations: Invalidations,
  ) {
    invalidations.on((topic) => this.drop(topic));
  }

  /** By token hash, oldest first. */
  private readonly cache = new Map<string, Cached>();
  /** Bumped by every drop: a lookup that overlapped one does not keep what it read. */
  private epoch = 0;

  private drop(topic: Topic): void {
    this.epoch++;
    if (topic === 'all') this.cache.clear();
    else if (topic.startsWith('session:')) this.cache.delete(topic.slice('session:'.length));
    else if (topic.startsWith('user:')) {
      const userId = topic.slice('user:'.length);
      for (const [hash, c] of this.cache) if (c.userId === userId) this.cache.delete(hash);
    }
  }

  private async create(userId: string) {
    const token = crypto.randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = addDuration(now, this.config.sessionTtl).toISOString();
    await this.db
      .insertInto('sessions')
      .values({ token_hash: sha256(token), user_id: userId, created_at: now.toISOString(), expires_at: expiresAt })
      .execute();
    return { token, expiresAt };
  }

  /**
   * Each attempt takes one of the account's failures before the password is checked, so
   * parallel guesses cannot overrun the budget; a right password gives it back. Beyond
   * the budget even the right password waits (SPEC §15). Unknown emails are counted the
   * same way, so the answer never tells whether an account exists.
   */
  async loginWithPassword(email: string, password: string) {
    const address = email.trim().toLowerCase();
    const key = `login-account:${sha256(address)}`;
    const budget = await this.counters.hit(key, ACCOUNT_WINDOW_MS);
    if (budget.count > this.config.loginAccountFailures) {
      const seconds = Math.max(1, Math.ceil((budget.resetAt - this.clock.now().getTime()) / 1000));
      throw new RateLimited(seconds, `Too many failed logins for this account: retry in ${seconds} seconds.`);
    }
    const user = await this.db
      .selectFrom('users')
      .select(['id', 'password_hash', 'disabled'])
      .where('email', '=', address)
      .executeTakeFirst();
    if (!(await verifyPassword(password, user?.password_hash ?? null)) || !user || user.disabled === 1) throw invalidLogin();
    await this.counters.undo(key);
    return { ...(await this.create(user.id)), userId: user.id };
  }

  async loginWithToken(loginToken: string) {
    const now = this.clock.now().toISOString();
    // One statement marks it used, so two racing uses cannot both succeed.
    const used = await this.db
      .updateTable('login_tokens')
      .set({ used_at: now })
      .where('token_hash', '=', sha256(loginToken))
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .returning('user_id')
      .executeTakeFirst();
    if (!used) throw new DomainError('invalid_login_token', 'This login link is invalid, expired or already used.');
    const user = await this.db.selectFrom('users').select('disabled').where('id', '=', used.user_id).executeTakeFirst();
    if (!user || user.disabled === 1) throw invalidLogin();
    return { ...(await this.create(used.user_id)), userId: used.user_id };
  }

  /** A one-use link that signs the user in and lands on `returnTo` (a path of this service, already checked). */
  async createLoginLink(userId: string, opts: { ttlMs?: number; returnTo?: string | undefined } = {}) {
    const user = await this.db.selectFrom('users').select(['id', 'erased_at']).where('id', '=', userId).executeTakeFirst();
    if (!user) throw new DomainError('not_found', 'No such user.');
    if (user.erased_at) throw new DomainError('user_erased', 'This user was erased.');
    const token = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(this.clock.now().getTime() + (opts.ttlMs ?? LOGIN_LINK_MS)).toISOString();
    await this.db
      .insertInto('login_tokens')
      .values({ token_hash: sha256(token), user_id: userId, expires_at: expiresAt, used_at: null })
      .execute();
    const next = opts.returnTo ? `&next=${encodeURIComponent(opts.returnTo)}` : '';
    return { token, url: `${this.config.publicUrl}/login?token=${token}${next}`, expiresAt };
  }

  async logout(token: string): Promise<void> {
    const hash = sha256(token);
    await this.invalidations.within(this.db, [`session:${hash}`], (trx) =>
      trx.deleteFrom('sessions').where('token_hash', '=', hash).execute(),
    );
  }

  /** Ends every session of a person at once, on every instance (each is told when it commits). */
  async endAll(userId: string): Promise<void> {
    const user = await this.db.selectFrom('users').select('id').where('id', '=', userId).executeTakeFirst();
    if (!user) throw new DomainError('not_found', 'No such user.');
    await this.invalidations.within(this.db, [`user:${userId}`], (trx) =>
      trx.deleteFrom('sessions').where('user_id', '=', userId).execute(),
    );
  }

  /** Every authenticated request asks this: one query, one row per membership (or one with null). */
  private readonly sessionRows = prepare((db: Kysely<DB>, tokenHash: string) =>
    db
      .selectFrom('sessions')
      .innerJoin('users', 'users.id', 'sessions.user_id')
      .leftJoin('merchant_members', 'merchant_members.user_id', 'users.id')
      .select([
        'users.id',
        'users.name',
        'users.email',
        'users.is_staff',
        'users.time_zone',
        'sessions.expires_at',
        'merchant_members.merchant_id',
      ])
      .where('sessions.token_hash', '=', tokenHash)
      // Disabling ends the sessions; this keeps one that raced with it from working.
      .where('users.disabled', '=', 0),
  );

  /** The person behind a token, or null when unknown or expired. */
  async viewer(token: string): Promise<Viewer | null> {
    const hash = sha256(token);
    const now = this.clock.now().toISOString();
    const live = this.invalidations.live;
    const hit = live ? this.cache.get(hash) : undefined;
    if (hit && performance.now() - hit.storedAt < CACHE_MAX_AGE_MS) return hit.expiresAt <= now ? null : hit.viewer;
    if (hit) this.cache.delete(hash);
    const epoch = this.epoch;
    const rows = await this.sessionRows(this.db, hash);
    const u = rows[0];
    if (!u || u.expires_at <= now) return null;
    const viewer = toViewer(
      u,
      rows.flatMap((r) => (r.merchant_id === null ? [] : [r.merchant_id])),
    );
    if (live && this.invalidations.live && epoch === this.epoch) {
      if (this.cache.size >= CACHE_SIZE) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(hash, { viewer: Object.freeze(viewer), userId: u.id, expiresAt: u.expires_at, storedAt: performance.now() });
    }
    return viewer;
  }

  async viewerById(userId: string): Promise<Viewer | null> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'name', 'email', 'is_staff', 'time_zone'])
      .where('id', '=', userId)
      .executeTakeFirst();
    return row ? this.viewerOf(row) : null;
  }

  /** A person who may act now: exists, not disabled, not erased (for `RC-On-Behalf-Of`). */
  async activeViewerById(userId: string): Promise<Viewer | null> {
    const row = await this.db
      .selectFrom('users')
      .select(['id', 'name', 'email', 'is_staff', 'time_zone'])
      .where('id', '=', userId)
      .where('disabled', '=', 0)
      .where('erased_at', 'is', null)
      .executeTakeFirst();
    return row ? this.viewerOf(row) : null;
  }

  private async viewerOf(u: UserFields): Promise<Viewer> {
    const members = await this.db.selectFrom('merchant_members').select('merchant_id').where('user_id', '=', u.id).execute();
    return toViewer(
      u,
      members.map((m) => m.merchant_id),
    );
  }
}

type UserFields = { id: string; name: string; email: string; is_staff: number; time_zone: string };

function toViewer(u: UserFields, merchantIds: string[]): Viewer {
  return { userId: u.id, name: u.name, email: u.email, isStaff: u.is_staff === 1, timeZone: u.time_zone, merchantIds };
}
