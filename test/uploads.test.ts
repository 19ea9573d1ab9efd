/** Evidence files through the HTTP API (SPEC §7, §9), on local disk and on S3. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStorage } from '../src/files/open-storage.js';
import type { Storage } from '../src/files/storage.js';
import { startApp } from './support/harness.js';
import { ELF, GIF, HTML, JPEG, MOV, MP4, PDF, PNG, TEXT, WEBM, WEBP } from './support/files.js';
import { type TestS3, startS3 } from './support/s3.js';
import { makeWorld, useWorld } from './support/world.js';

const MAX = 64 * 1024;

interface Sent {
  status: number;
  body: any;
  headers: Headers;
}

function uploader(base: string) {
  return async (
    token: string | null,
    files: { bytes: Uint8Array; name?: string; type?: string; field?: string }[],
    headers: Record<string, string> = {},
  ): Promise<Sent> => {
    const form = new FormData();
    for (const f of files)
      form.append(f.field ?? 'file', new Blob([f.bytes], { type: f.type ?? 'application/octet-stream' }), f.name ?? 'evidence.bin');
    const res = await fetch(`${base}/api/v1/uploads`, {
      method: 'POST',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers },
      body: form,
    });
    const text = await res.text();
    return {
      status: res.status,
      body: text && /json/.test(res.headers.get('content-type') ?? '') ? JSON.parse(text) : text,
      headers: res.headers,
    };
  };
}

type Setup = { name: string; storage: () => Promise<{ env: Record<string, string>; close: () => Promise<void> }> };
const setups: Setup[] = [
  { name: 'local disk', storage: () => Promise.resolve({ env: {}, close: () => Promise.resolve() }) },
  {
    name: 'S3',
    storage: async () => {
      const s3: TestS3 = await startS3();
      return { env: { STORAGE_URL: s3.url }, close: () => s3.close() };
    },
  },
];

describe.each(setups)('evidence files on $name', (setup) => {
  let upload: ReturnType<typeof uploader>;
  let storage: Awaited<ReturnType<Setup['storage']>>;
  const inFlight = new Set<Promise<void>>();

  beforeAll(async () => {
    storage = await setup.storage();
  });
  afterAll(() => storage.close());
  const { t, w } = useWorld({ env: () => ({ MAX_FILE_BYTES: String(MAX), ...storage.env }) });
  beforeAll(() => {
    upload = uploader(t.url);
    t.app.server.server.on('request', (_req, res) => {
      inFlight.add(new Promise((resolve) => res.once('close', () => resolve())));
    });
  });
  // A streamed response can finish a moment after the client has all its bytes; a server closed before
  // then keeps that keep-alive socket (and the close) waiting for keepAliveTimeout.
  afterAll(() => Promise.all(inFlight));

  const download = (token: string | null, caseId: string, id: string, init: { method?: string; headers?: Record<string, string> } = {}) =>
    fetch(`${t.url}/api/v1/cases/${caseId}/attachments/${id}`, {
      method: init.method ?? 'GET',
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...init.headers },
    });

  const openWith = async (token: string, attachmentIds: string[]) => {
    const paymentId = await w.payment();
    return t.api('POST', '/api/v1/cases', {
      token,
      body: { paymentId, issueType: 'item_not_received', description: 'It never arrived in my library.', attachmentIds },
    });
  };

  it('accepts each allowed type, judged from the bytes, and answers 201 with its facts', async () => {
    const cases = [
      [PNG, 'image/png'],
      [JPEG, 'image/jpeg'],
      [GIF, 'image/gif'],
      [WEBP, 'image/webp'],
      [PDF, 'application/pdf'],
      [MP4, 'video/mp4'],
      [MOV, 'video/quicktime'],
      [WEBM, 'video/webm'],
      [TEXT, 'text/plain; charset=utf-8'],
    ] as const;
    for (const [bytes, type] of cases) {
      // The declared type and the name are deliberately wrong: only the bytes count.
      const r = await upload(w.tokens.customer, [{ bytes, name: 'whatever.exe', type: 'application/x-msdownload' }]);
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      expect(r.body).toEqual({
        id: expect.stringMatching(/^upl_[A-Za-z0-9_-]+$/),
        filename: 'whatever.exe',
        contentType: type,
        size: bytes.length,
        sha256: (await import('node:crypto')).createHash('sha256').update(bytes).digest('hex'),
      });
    }
  });

  it('refuses an ELF binary named receipt.pdf and declared as a PDF', async () => {
    const r = await upload(w.tokens.customer, [{ bytes: ELF, name: 'receipt.pdf', type: 'application/pdf' }]);
    expect(r.status).toBe(415);
    expect(r.body.code).toBe('file_type_not_allowed');
  });

  it('refuses an HTML file renamed .png', async () => {
    const r = await upload(w.tokens.customer, [{ bytes: HTML, name: 'screenshot.png', type: 'image/png' }]);
    expect(r.status).toBe(415);
    expect(r.body.code).toBe('file_type_not_allowed');
  });

  it('refuses text that turns out not to be UTF-8 past the first bytes', async () => {
    const bytes = Buffer.concat([Buffer.alloc(10_000, 'a'), Buffer.from([0xff, 0xfe]), Buffer.alloc(100, 'b')]);
    const r = await upload(w.tokens.customer, [{ bytes, name: 'notes.txt', type: 'text/plain' }]);
    expect(r.status).toBe(415);
    expect(r.body.code).toBe('file_type_not_allowed');
  });

  it('refuses an empty file', async () => {
    const r = await upload(w.tokens.customer, [{ bytes: new Uint8Array(0), name: 'empty.txt' }]);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('file_empty');
  });

  it('takes a file of exactly MAX_FILE_BYTES and refuses one byte more, keeping nothing', async () => {
    const exact = Buffer.alloc(MAX, 'x');
    expect((await upload(w.tokens.customer, [{ bytes: exact, name: 'big.txt' }])).status).toBe(201);
    const before = await t.app.services.db.selectFrom('uploads').select('id').execute();
    const r = await upload(w.tokens.customer, [{ bytes: Buffer.alloc(MAX + 1, 'x'), name: 'big.txt' }]);
    expect(r.status).toBe(413);
    expect(r.body.code).toBe('file_too_large');
    expect(await t.app.services.db.selectFrom('uploads').select('id').execute()).toHaveLength(before.length);
  });

  it('wants exactly one file field', async () => {
    const two = await upload(w.tokens.customer, [
      { bytes: PNG, name: 'a.png' },
      { bytes: PNG, name: 'b.png', field: 'other' },
    ]);
    expect(two.status).toBe(400);
    expect(two.body.code).toBe('one_file_only');
    const form = new FormData();
    form.append('note', 'no file here');
    const none = await fetch(`${t.url}/api/v1/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.tokens.customer}` },
      body: form,
    });
    expect(none.status).toBe(400);
    expect(((await none.json()) as any).code).toBe('file_missing');
    const json = await t.api('POST', '/api/v1/uploads', { token: w.tokens.customer, body: { file: 'x' } });
    expect(json.status).toBe(415);
    const multipart = (boundary: string, raw: string) =>
      t.api('POST', '/api/v1/uploads', {
        token: w.tokens.customer,
        headers: { 'content-type': `multipart/form-data${boundary}` },
        raw,
      });
    const part = '--b\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello';
    for (const [boundary, raw] of [
      ['; boundary=b', 'garbage'],
      ['; boundary=b', part],
      ['', part],
    ] as const) {
      const r = await multipart(boundary, raw);
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.code).toMatch(/^(invalid_multipart|file_missing)$/);
    }
    expect((await multipart('; boundary=b', `${part}\r\n--b--\r\n`)).status).toBe(201);
  });

  it('is for people only', async () => {
    expect((await upload(null, [{ bytes: PNG }])).status).toBe(401);
    expect((await upload(w.platform, [{ bytes: PNG }])).status).toBe(403);
  });

  it('keeps the original name for display only: base name, no control characters, NFC, 200 characters', async () => {
    const a = await upload(w.tokens.customer, [{ bytes: PNG, name: '../../etc/passwd' }]);
    expect(a.status).toBe(201);
    expect(a.body.filename).toBe('passwd');
    const b = await upload(w.tokens.customer, [{ bytes: PNG, name: 'r\u0001e\u007fc\u0085eipt\u202e.png' }]);
    expect(b.body.filename).toBe('receipt.png');
    const c = await upload(w.tokens.customer, [{ bytes: PNG, name: `cafe\u0301-${'x'.repeat(300)}.png` }]);
    expect(c.body.filename).toBe(`caf\u00e9-${'x'.repeat(195)}`);
    const row = await t.app.services.db.selectFrom('uploads').select('storage_key').where('id', '=', a.body.id).executeTakeFirstOrThrow();
    expect(row.storage_key).toBe(a.body.id);
  });

  it('attaches up to 3 of my own unused uploads when I open a case, and puts them on the timeline', async () => {
    const ids: string[] = [];
    for (const bytes of [PNG, PDF, TEXT, JPEG]) ids.push((await upload(w.tokens.customer, [{ bytes, name: 'proof' }])).body.id);
    const four = await openWith(w.tokens.customer, ids);
    expect(four.status).toBe(400);
    expect(four.body.code).toBe('too_many_files');
    const opened = await openWith(w.tokens.customer, ids.slice(0, 3));
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    const attached = opened.body.timeline[0].attachments;
    expect(attached.map((a: any) => a.id)).toEqual(ids.slice(0, 3));
    expect(attached[1]).toEqual({
      id: ids[1],
      filename: 'proof',
      contentType: 'application/pdf',
      size: PDF.length,
      sha256: expect.any(String),
    });
    // Used once is used up, on this case or any other.
    const again = await w.act(w.tokens.customer, opened.body.id, { type: 'respond', message: 'again', attachmentIds: [ids[0]] });
    expect(again.status).toBe(400);
    expect(again.body.code).toBe('upload_not_usable');
  });

  it('refuses someone else’s upload, an unknown one and the same one twice', async () => {
    const theirs = (await upload(w.tokens.otherCustomer, [{ bytes: PNG }])).body.id;
    const r = await openWith(w.tokens.customer, [theirs]);
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('upload_not_usable');
    expect((await openWith(w.tokens.customer, ['upl_doesnotexist'])).body.code).toBe('upload_not_usable');
    const mine = (await upload(w.tokens.customer, [{ bytes: PNG }])).body.id;
    const twice = await openWith(w.tokens.customer, [mine, mine]);
    expect(twice.status).toBe(400);
    expect(twice.body.code).toBe('upload_not_usable');
    // A refused action leaves its uploads unused.
    expect((await openWith(w.tokens.customer, [mine])).status).toBe(201);
  });

  it('leaves uploads unused when the action itself is refused', async () => {
    const c = await w.openCase();
    const id = (await upload(w.tokens.customer, [{ bytes: PNG }])).body.id;
    const refused = await w.act(w.tokens.customer, c.id, { type: 'accept_offer', attachmentIds: [id] });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    const merchantUpload = (await upload(w.tokens.merchant, [{ bytes: PDF, name: 'invoice.pdf' }])).body.id;
    const ok = await w.act(w.tokens.merchant, c.id, { type: 'respond', message: 'Here is the invoice.', attachmentIds: [merchantUpload] });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.timeline.at(-1).attachments[0].id).toBe(merchantUpload);
    const row = await t.app.services.db.selectFrom('uploads').select('case_id').where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.case_id).toBeNull();
  });

  describe('downloads', () => {
    let caseId: string;
    let fileId: string;
    const video = Buffer.concat([MP4, Buffer.alloc(2000, 7)]);

    beforeAll(async () => {
      fileId = (await upload(w.tokens.customer, [{ bytes: video, name: 'unboxing day 1 é.mp4', type: 'video/mp4' }])).body.id;
      caseId = (await openWith(w.tokens.customer, [fileId])).body.id;
    });

    it('serves the parties and staff, with safe headers', async () => {
      for (const token of [w.tokens.customer, w.tokens.merchant, w.tokens.staff]) {
        const r = await download(token, caseId, fileId);
        expect(r.status).toBe(200);
        expect(Buffer.from(await r.arrayBuffer()).equals(video)).toBe(true);
        expect(r.headers.get('content-type')).toBe('video/mp4');
        expect(r.headers.get('content-length')).toBe(String(video.length));
        expect(r.headers.get('content-disposition')).toBe(
          `attachment; filename="unboxing day 1 _.mp4"; filename*=UTF-8''unboxing%20day%201%20%C3%A9.mp4`,
        );
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
        expect(r.headers.get('content-security-policy')).toBe("sandbox; default-src 'none'");
        expect(r.headers.get('accept-ranges')).toBe('bytes');
      }
    });

    it('is 404 for the other customer and another merchant, 401 for nobody', async () => {
      expect((await download(w.tokens.otherCustomer, caseId, fileId)).status).toBe(404);
      expect((await download(w.tokens.otherMerchant, caseId, fileId)).status).toBe(404);
      expect((await download(null, caseId, fileId)).status).toBe(401);
    });

    it('is 404 for an attachment of another case, even to a party of both', async () => {
      const other = await w.openCase();
      expect((await download(w.tokens.customer, other.id, fileId)).status).toBe(404);
      expect((await download(w.tokens.staff, other.id, fileId)).status).toBe(404);
      const unused = (await upload(w.tokens.customer, [{ bytes: PNG }])).body.id;
      expect((await download(w.tokens.customer, caseId, unused)).status).toBe(404);
    });

    it('answers HEAD without a body and serves byte ranges', async () => {
      const head = await download(w.tokens.merchant, caseId, fileId, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-length')).toBe(String(video.length));
      expect(head.headers.get('content-type')).toBe('video/mp4');
      expect(await head.text()).toBe('');
      const part = await download(w.tokens.merchant, caseId, fileId, { headers: { range: 'bytes=4-11' } });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe(`bytes 4-11/${video.length}`);
      expect(part.headers.get('content-length')).toBe('8');
      expect(Buffer.from(await part.arrayBuffer()).toString('latin1')).toBe('ftypisom');
      const tail = await download(w.tokens.merchant, caseId, fileId, { headers: { range: 'bytes=-5' } });
      expect(tail.status).toBe(206);
      expect(Buffer.from(await tail.arrayBuffer()).equals(video.subarray(-5))).toBe(true);
      const etag = part.headers.get('etag') ?? '';
      expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
      const same = await download(w.tokens.merchant, caseId, fileId, { headers: { range: 'bytes=0-3', 'if-range': etag } });
      expect(same.status).toBe(206);
      await same.arrayBuffer();
      const changed = await download(w.tokens.merchant, caseId, fileId, { headers: { range: 'bytes=0-3', 'if-range': '"other"' } });
      expect(changed.status).toBe(200);
      expect((await changed.arrayBuffer()).byteLength).toBe(video.length);
      const beyond = await download(w.tokens.merchant, caseId, fileId, { headers: { range: `bytes=${video.length}-` } });
      expect(beyond.status).toBe(416);
      expect(beyond.headers.get('content-range')).toBe(`bytes */${video.length}`);
    });

    it('shows an internal note’s attachment to staff only', async () => {
      const esc = await w.act(w.tokens.customer, caseId, { type: 'escalate', message: 'No answer.' });
      expect(esc.status, JSON.stringify(esc.body)).toBeLessThan(500);
      const note = (await upload(w.tokens.staff, [{ bytes: TEXT, name: 'internal.txt' }])).body.id;
      const r = await w.act(w.tokens.staff, caseId, { type: 'note', message: 'Checked the logs.', attachmentIds: [note] });
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      expect((await download(w.tokens.staff2, caseId, note)).status).toBe(200);
      expect((await download(w.tokens.customer, caseId, note)).status).toBe(404);
      expect((await download(w.tokens.merchant, caseId, note)).status).toBe(404);
      const seen = await t.api('GET', `/api/v1/cases/${caseId}`, { token: w.tokens.customer });
      expect(JSON.stringify(seen.body.timeline)).not.toContain(note);
    });
  });

  it('replays an upload sent again with the same Idempotency-Key, and refuses the key for another file', async () => {
    const key = { 'idempotency-key': `upl-${Math.random()}` };
    const count = async () => (await t.app.services.db.selectFrom('uploads').select('id').execute()).length;
    const before = await count();
    const first = await upload(w.tokens.customer, [{ bytes: PNG, name: 'a.png' }], key);
    expect(first.status).toBe(201);
    const again = await upload(w.tokens.customer, [{ bytes: PNG, name: 'a.png' }], key);
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(first.body);
    const other = await upload(w.tokens.customer, [{ bytes: GIF, name: 'a.png' }], key);
    expect(other.status).toBe(422);
    expect(other.body.code).toBe('idempotency_key_reused');
    expect(await count()).toBe(before + 1);
  });

  it('deletes uploads left unused for 24 hours, and keeps attached ones', async () => {
    const unused = (await upload(w.tokens.customer, [{ bytes: PNG }])).body.id;
    const used = (await upload(w.tokens.customer, [{ bytes: GIF }])).body.id;
    const opened = await openWith(w.tokens.customer, [used]);
    await w.advance('PT23H');
    expect(await t.app.services.db.selectFrom('uploads').select('id').where('id', '=', unused).executeTakeFirst()).toBeDefined();
    await w.advance('PT1H1M');
    expect(await t.app.services.db.selectFrom('uploads').select('id').where('id', '=', unused).executeTakeFirst()).toBeUndefined();
    await expect(t.app.services.storage.get(unused)).rejects.toThrow();
    const late = await openWith(w.tokens.customer, [unused]);
    expect(late.status).toBe(400);
    expect(late.body.code).toBe('upload_not_usable');
    const kept = await download(w.tokens.merchant, opened.body.id, used);
    expect(kept.status).toBe(200);
    expect(Buffer.from(await kept.arrayBuffer()).equals(GIF)).toBe(true);
  });
});

describe('when storage fails', () => {
  it('answers 503 storage_unavailable and keeps no upload, whether storage breaks midway or cannot be reached', async () => {
    // Disk storage that fails after the first chunk, as a full disk would.
    const disk = (dir: string) => openStorage(`file://${dir}/files`);
    let dir = '';
    const failing: Storage = {
      async put(key, body) {
        await disk(dir).put(key, failAfterFirst(body));
      },
      get: (key, range) => disk(dir).get(key, range),
      delete: (key) => disk(dir).delete(key),
    };
    async function* failAfterFirst(body: AsyncIterable<Uint8Array>) {
      for await (const chunk of body) {
        yield chunk;
        throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
      }
    }
    const s3 = await startS3();
    await s3.close();
    for (const [env, parts] of [
      [{}, { storage: failing }],
      [{ STORAGE_URL: s3.url }, {}],
    ] as const) {
      const t = await startApp({ MAX_FILE_BYTES: String(MAX * 4), ...env }, parts);
      dir = t.dir;
      try {
        const w = await makeWorld(t.api);
        const r = await uploader(t.url)(w.tokens.customer, [{ bytes: Buffer.alloc(MAX * 2, 'z'), name: 'log.txt' }]);
        expect(r.status).toBe(503);
        expect(r.body.code).toBe('storage_unavailable');
        expect(await t.app.services.db.selectFrom('uploads').select('id').execute()).toEqual([]);
      } finally {
        await t.close();
      }
    }
  });
});

describe('the upload rate limit', () => {
  it('is per user', async () => {
    const t = await startApp({ RATE_LIMIT_UPLOADS: '2' });
    try {
      const w = await makeWorld(t.api);
      const upload = uploader(t.url);
      for (let i = 0; i < 2; i++) expect((await upload(w.tokens.customer, [{ bytes: PNG }])).status).toBe(201);
      const limited = await upload(w.tokens.customer, [{ bytes: PNG }]);
      expect(limited.status).toBe(429);
      expect(limited.body.code).toBe('rate_limited');
      expect((await upload(w.tokens.merchant, [{ bytes: PNG }])).status).toBe(201);
    } finally {
      await t.close();
    }
  });
});
