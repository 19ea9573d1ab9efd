/** Evidence files over HTTP (SPEC §7, §9): uploading one file, downloading an attachment. */
import fastifyMultipart from '@fastify/multipart';
import { z } from 'zod';
import type { Services } from '../../services.js';
import { DomainError } from '../../domain/errors.js';
import { downloadName } from '../../files/download-name.js';
import { contentDisposition } from '../../files/names.js';
import { parseRange } from '../../files/range.js';
import { type StoredFile, fileTooLarge, invalidMultipart } from '../../files/uploads.js';
import { requirePerson, viewerOf } from '../auth.js';
import { claimIdempotencyKey, sendReplay } from '../idempotency.js';
import { problem, sendProblem } from '../problem.js';
import { type FastifyZod, PERSON } from '../kit.js';
import { CaseId, Problem, ServiceId } from '../schemas.js';

export const UploadView = z.object({ id: z.string(), filename: z.string(), contentType: z.string(), size: z.number(), sha256: z.string() });
const AttachmentParams = z.object({ id: CaseId, attachmentId: ServiceId('upl') });

/** What a multipart body may carry beyond its file: boundaries, part headers, a few small fields. */
const MULTIPART_OVERHEAD = 64 * 1024;

/** Reads the rest of a stream into nothing, so the request is consumed and the answer can be read by the client. */
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}

export async function uploadRoutes(app: FastifyZod, s: Services): Promise<void> {
  const max = s.config.maxFileBytes;

  // Multipart parsing exists only in this scope: every other route still takes JSON alone, under the 1 MiB body limit.
  await app.register(async (scope: FastifyZod) => {
    await scope.register(fastifyMultipart, { limits: { files: 1, fileSize: max, fields: 10, fieldSize: 1024, parts: 20 } });

    scope.post('/api/v1/uploads', {
      // A body declared larger than any allowed file is refused before a byte of it is read (SPEC §15).
      onRequest: async (req, reply) => {
        const declared = Number(req.headers['content-length'] ?? 0);
        if (declared > max + MULTIPART_OVERHEAD) {
          void reply.header('connection', 'close');
          throw fileTooLarge(max);
        }
      },
      preHandler: requirePerson,
      config: {
        idempotency: 'route',
        rateLimit: {
          max: s.config.rateLimits.uploads,
          timeWindow: '1 minute',
          keyGenerator: (req: { viewer: { userId: string } | null; ip: string }) => req.viewer?.userId ?? req.ip,
        },
      },
      schema: {
        tags: ['files'],
        security: PERSON,
        summary: 'Upload one evidence file (multipart/form-data, one file field)',
        description:
          `At most MAX_FILE_BYTES (now ${max}); a body declaring more than that plus 64 KiB is refused at once. ` +
          `Unused uploads per person at most UPLOAD_QUOTA_BYTES (now ${s.config.uploadQuotaBytes}): 413 upload_quota_exceeded. Allowed, judged from the bytes: PNG, JPEG, GIF, WebP, PDF, MP4, QuickTime, WebM, plain UTF-8 text. ` +
          'Attach it to an action by id within 24 hours, or it is deleted.',
        consumes: ['multipart/form-data'],
        response: { 201: UploadView, 400: Problem, 413: Problem, 415: Problem, 503: Problem },
      },
      handler: async (req, reply) => {
        const viewer = viewerOf(req);
        if (!req.isMultipart()) throw new DomainError('unsupported_media_type', 'Send the file as multipart/form-data.');
        // A spent quota is refused before the file is read; a repeat with an Idempotency-Key still gets its first answer.
        if (req.headers['idempotency-key'] === undefined) await s.uploads.checkQuota(viewer.userId, s.clock.now());
        let stored: StoredFile | null = null;
        let failure: Error | null = null;
        try {
          for await (const part of req.parts()) {
            if (part.type !== 'file') continue;
            if (stored || failure) {
              await drain(part.file);
              continue;
            }
            try {
              stored = await s.uploads.store(part.file, part.filename);
            } catch (err) {
              failure = err as Error;
              await drain(part.file);
            }
          }
        } catch (err) {
          const code = (err as { code?: unknown }).code;
          if (code === 'FST_FILES_LIMIT')
            failure = new DomainError('one_file_only', 'Send exactly one file per upload.', [{ path: 'file', message: 'One file only' }]);
          else if (code === 'FST_REQ_FILE_TOO_LARGE') failure ??= fileTooLarge(max);
          // Anything else the parser throws is a body that is not well-formed multipart.
          else failure ??= invalidMultipart();
        }
        if (failure) {
          if (stored) await s.uploads.discard(stored);
          throw failure;
        }
        if (!stored)
          throw new DomainError('file_missing', 'The request has no file: send one multipart file field.', [
            { path: 'file', message: 'Required' },
          ]);
        // The key is checked against what was sent (the file's digest and name), which is known only now.
        const file = stored;
        const replay = await claimIdempotencyKey(s.db, s.clock, req, `${file.sha256}\n${file.filename}`).catch(async (err: unknown) => {
          await s.uploads.discard(file);
          throw err;
        });
        if (replay) {
          await s.uploads.discard(file);
          return sendReplay(reply, replay);
        }
        return reply.code(201).send(await s.uploads.record(viewer, file, s.clock.now()));
      },
    });
  });

  app.route({
    method: ['GET', 'HEAD'],
    url: '/api/v1/cases/:id/attachments/:attachmentId',
    preHandler: requirePerson,
    schema: {
      tags: ['files'],
      security: PERSON,
      summary: 'Download an attachment of a case (parties and staff); supports HEAD and byte ranges',
      params: AttachmentParams,
    },
    handler: async (req, reply) => {
      const row = await s.uploads.find(viewerOf(req), req.params.id, req.params.attachmentId);
      const etag = `"${row.sha256}"`;
      const ifRange = req.headers['if-range'];
      const range = ifRange === undefined || ifRange === etag ? parseRange(req.headers.range, row.size) : null;
      if (range === 'unsatisfiable') {
        void reply.header('content-range', `bytes */${row.size}`);
        return sendProblem(reply, problem('range_not_satisfiable', `The file has ${row.size} bytes.`));
      }
      void reply
        .header('content-type', row.content_type)
        .header('content-disposition', contentDisposition(downloadName(row.filename, row.content_type)))
        .header('x-content-type-options', 'nosniff')
        // Even if a browser were talked into rendering the file, it runs nothing and loads nothing.
        .header('content-security-policy', "sandbox; default-src 'none'")
        .header('cache-control', 'private, no-store')
        .header('accept-ranges', 'bytes')
        .header('etag', etag);
      const length = range ? range.end - range.start + 1 : row.size;
      void reply.header('content-length', length);
      if (range) void reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${row.size}`);
      if (req.method === 'HEAD') return reply.send();
      return reply.send(await s.uploads.stream(row, range ?? undefined));
    },
  });
}
