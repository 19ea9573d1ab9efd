/**
 * Evidence files (SPEC §7): receiving an upload (streamed to storage while it
 * is hashed, measured and sniffed), claiming uploads for an action inside its
 * transaction, serving them to the case's parties and staff, and deleting the
 * ones left unused.
 */
import crypto from 'node:crypto';
import type { Readable } from 'node:stream';
import { type Kysely, type Transaction, sql } from 'kysely';
import type { Logger } from 'pino';
import { type Viewer, roleIn } from '../cases/access.js';
import type { EvidenceClaimer } from '../cases/service.js';
import type { AttachmentRef } from '../domain/case.js';
import { DomainError, notFound } from '../domain/errors.js';
import type { Config } from '../config.js';
import type { DB, UploadRow } from '../db/schema.js';
import { newId } from '../ids.js';
import { displayName } from './names.js';
import { SNIFF_BYTES, TEXT_TYPE, TextCheck, sniff } from './sniff.js';
import type { ByteRange, Storage } from './storage.js';

/** An upload unused for this long is deleted (SPEC §7). */
export const UNUSED_TTL_MS = 24 * 60 * 60 * 1000;
const PURGE_BATCH = 100;

/** The file as a client sees it: the same shape as a timeline event's attachment. */
export type UploadView = AttachmentRef;

/** Bytes stored, not yet recorded: the route records it only once the whole request is read. */
export interface StoredFile extends UploadView {
  key: string;
}

/** A multipart file part's stream: busboy marks it truncated when it hit the size limit. */
export type FileStream = Readable & { truncated?: boolean };

export const fileTooLarge = (max: number) => new DomainError('file_too_large', `The file is larger than the limit of ${max} bytes.`);
export const fileTypeNotAllowed = () =>
  new DomainError(
    'file_type_not_allowed',
    'Only PNG, JPEG, GIF, WebP, PDF, MP4, QuickTime, WebM and plain UTF-8 text files are accepted (judged from the file’s content).',
  );
export const invalidMultipart = () => new DomainError('invalid_multipart', 'The body is not well-formed multipart/form-data.');
export const uploadQuotaExceeded = (quota: number) =>
  new DomainError(
    'upload_quota_exceeded',
    `Your unused uploads would exceed ${quota} bytes: attach or wait for the ones you have (they are deleted after 24 hours).`,
  );
const fileEmpty = () => new DomainError('file_empty', 'The file is empty.');
const storageUnavailable = () => new DomainError('storage_unavailable', 'File storage is unavailable; try again shortly.');

function viewOf(row: UploadRow): UploadView {
  return { id: row.id, filename: row.filename, contentType: row.content_type, size: row.size, sha256: row.sha256 };
}

export class Uploads implements EvidenceClaimer {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly storage: Storage,
    private readonly config: Pick<Config, 'maxFileBytes' | 'uploadQuotaBytes'>,
    private readonly log: Logger,
  ) {}

  /** Bytes of the person's uploads not attached yet and still attachable (SPEC §15's quota). */
  async unclaimedBytes(db: Kysely<DB>, userId: string, now: Date): Promise<number> {
    const row = await db
      .selectFrom('uploads')
      .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('size'), eb.lit(0)).as('bytes'))
      .where('user_id', '=', userId)
      .where('case_id', 'is', null)
      .where('created_at', '>', new Date(now.getTime() - UNUSED_TTL_MS).toISOString())
      .executeTakeFirst();
    return Number(row?.bytes ?? 0);
  }

  /** Refuses at once a person whose quota is already spent, before a byte of the file is read. */
  async checkQuota(userId: string, now: Date): Promise<void> {
    if ((await this.unclaimedBytes(this.db, userId, now)) >= this.config.uploadQuotaBytes)
      throw uploadQuotaExceeded(this.config.uploadQuotaBytes);
  }

  /**
   * Streams one file into storage. The first bytes decide the type before
   * anything is stored; size, hash and (for text) UTF-8 validity are checked
   * as the rest flows through. On any refusal nothing is kept, and the caller
   * must drain what is left of `file`.
   */
  async store(file: FileStream, rawName: string | undefined): Promise<StoredFile> {
    const max = this.config.maxFileBytes;
    const parts = file[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    // The request failing (cut short, malformed, the client gone) is the client's fault, never storage's.
    const next = () => parts.next().catch(() => Promise.reject(invalidMultipart()));
    const hash = crypto.createHash('sha256');
    let size = 0;
    const take = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (file.truncated || size > max) throw fileTooLarge(max);
      hash.update(chunk);
    };

    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < SNIFF_BYTES) {
      const r = await next();
      if (r.done) {
        ended = true;
        break;
      }
      take(r.value);
      head.push(r.value);
      headBytes += r.value.byteLength;
    }
    if (file.truncated) throw fileTooLarge(max);
    if (size === 0) throw fileEmpty();
    const contentType = await sniff(Buffer.concat(head, headBytes).subarray(0, SNIFF_BYTES));
    if (!contentType) throw fileTypeNotAllowed();
    const text = contentType === TEXT_TYPE ? new TextCheck() : null;

    // A refusal found while streaming is thrown through the store (which then keeps nothing) and reported as itself.
    let refusal = null as DomainError | null;
    const refuse = (err: DomainError): never => {
      refusal = err;
      throw err;
    };
    async function* body(): AsyncGenerator<Buffer> {
      for (const chunk of head) {
        if (text && !text.push(chunk)) refuse(fileTypeNotAllowed());
        yield chunk;
      }
      while (!ended) {
        let chunk: Buffer;
        try {
          const r = await next();
          if (r.done) break;
          chunk = r.value;
          take(chunk);
        } catch (err) {
          return refuse(err as DomainError);
        }
        if (text && !text.push(chunk)) refuse(fileTypeNotAllowed());
        yield chunk;
      }
      if (file.truncated) refuse(fileTooLarge(max));
      if (text && !text.end()) refuse(fileTypeNotAllowed());
    }

    const id = newId('upl');
    try {
      await this.storage.put(id, body());
    } catch (err) {
      if (refusal) throw refusal;
      this.log.error({ err }, 'storing an upload failed');
      throw storageUnavailable();
    }
    return { id, key: id, filename: displayName(rawName), contentType, size, sha256: hash.digest('hex') };
  }

  /** Records a stored file as the caller's unused upload, if it fits their quota (else it is discarded). */
  async record(viewer: Viewer, file: StoredFile, now: Date): Promise<UploadView> {
    try {
      await this.db.transaction().execute(async (trx) => {
        // A no-op update locks the person's row: two uploads at once cannot both take the last of the quota.
        await trx
          .updateTable('users')
          .set({ disabled: sql<number>`disabled` })
          .where('id', '=', viewer.userId)
          .execute();
        if ((await this.unclaimedBytes(trx, viewer.userId, now)) + file.size > this.config.uploadQuotaBytes)
          throw uploadQuotaExceeded(this.config.uploadQuotaBytes);
        await trx
          .insertInto('uploads')
          .values({
            id: file.id,
            user_id: viewer.userId,
            storage_key: file.key,
            filename: file.filename,
            content_type: file.contentType,
            size: file.size,
            sha256: file.sha256,
            case_id: null,
            claimed_at: null,
            created_at: now.toISOString(),
          })
          .execute();
      });
    } catch (err) {
      await this.discard(file);
      throw err;
    }
    const { key: _key, ...view } = file;
    return view;
  }

  /** Forgets stored bytes that will never be recorded. */
  async discard(file: StoredFile): Promise<void> {
    await this.storage
      .delete(file.key)
      .catch((err: unknown) => this.log.warn({ err, key: file.key }, 'could not delete a discarded upload'));
  }

  /**
   * EvidenceClaimer: attaches the caller's own unused, unexpired uploads to a
   * submission, in the action's transaction. The update is a compare-and-set
   * on `case_id is null`, so two submissions racing for one upload cannot both
   * win; a refused action rolls the claim back with it.
   */
  async claim(trx: Transaction<DB>, input: { userId: string; uploadIds: string[]; caseId: string; now: Date }): Promise<AttachmentRef[]> {
    const ids = input.uploadIds;
    if (ids.length === 0) return [];
    const unusable = (i: number) =>
      new DomainError('upload_not_usable', 'Attach only your own uploads, each once, within 24 hours of uploading it.', [
        { path: `attachmentIds.${i}`, message: 'Not one of your unused uploads' },
      ]);
    const dup = ids.findIndex((id, i) => ids.indexOf(id) !== i);
    if (dup >= 0) throw unusable(dup);
    const fresh = new Date(input.now.getTime() - UNUSED_TTL_MS).toISOString();
    const rows = await trx.selectFrom('uploads').selectAll().where('id', 'in', ids).execute();
    const byId = new Map(rows.map((r) => [r.id, r]));
    const refs = ids.map((id, i) => {
      const row = byId.get(id);
      if (!row || row.user_id !== input.userId || row.case_id !== null || row.created_at <= fresh) throw unusable(i);
      return viewOf(row);
    });
    const res = await trx
      .updateTable('uploads')
      .set({ case_id: input.caseId, claimed_at: input.now.toISOString() })
      .where('id', 'in', ids)
      .where('case_id', 'is', null)
      .executeTakeFirst();
    if (Number(res.numUpdatedRows) !== ids.length) throw unusable(0);
    return refs;
  }

  /**
   * An attachment of a case, if the viewer may download it: a party or staff
   * of that very case, and only staff for an attachment of a staff-only event.
   * Everything else is 404, as if it did not exist.
   */
  async find(viewer: Viewer, caseId: string, attachmentId: string): Promise<UploadRow> {
    const c = await this.db.selectFrom('cases').select(['customer_id', 'merchant_id']).where('id', '=', caseId).executeTakeFirst();
    const role = c ? roleIn(viewer, c) : null;
    if (!role) throw notFound('attachment');
    const row = await this.db
      .selectFrom('uploads')
      .selectAll()
      .where('id', '=', attachmentId)
      .where('case_id', '=', caseId)
      .executeTakeFirst();
    if (!row) throw notFound('attachment');
    if (role !== 'staff') {
      const events = await this.db
        .selectFrom('case_events')
        .select(['attachments', 'visibility'])
        .where('case_id', '=', caseId)
        .where('attachments', '<>', '[]')
        .execute();
      const carrier = events.find((e) => (JSON.parse(e.attachments) as AttachmentRef[]).some((a) => a.id === attachmentId));
      if (carrier?.visibility !== 'public') throw notFound('attachment');
    }
    return row;
  }

  async stream(row: UploadRow, range?: ByteRange): Promise<Readable> {
    try {
      return await this.storage.get(row.storage_key, range);
    } catch (err) {
      this.log.error({ err, upload: row.id }, 'reading an attachment failed');
      throw storageUnavailable();
    }
  }

  /** Worker job: deletes uploads left unused for 24 hours, row first, so a racing claim either wins or finds nothing. */
  async purgeUnused(now: Date): Promise<number> {
    const cutoff = new Date(now.getTime() - UNUSED_TTL_MS).toISOString();
    const due = await this.db
      .selectFrom('uploads')
      .select(['id', 'storage_key'])
      .where('case_id', 'is', null)
      .where('created_at', '<=', cutoff)
      .orderBy('created_at')
      .limit(PURGE_BATCH)
      .execute();
    let purged = 0;
    for (const u of due) {
      const res = await this.db.deleteFrom('uploads').where('id', '=', u.id).where('case_id', 'is', null).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) continue;
      purged++;
      await this.storage
        .delete(u.storage_key)
        .catch((err: unknown) => this.log.warn({ err, key: u.storage_key }, 'could not delete an unused upload'));
    }
    return purged;
  }
}
