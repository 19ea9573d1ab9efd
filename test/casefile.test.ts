/** The case file (SPEC §13): real text, images drawn in, notes only in staff's copy, deterministic, for the case's people only. */
import { PDFParse } from 'pdf-parse';
import { beforeAll, describe, expect, it } from 'vitest';
import { PNG } from './support/files.js';
import { T0 } from './support/harness.js';
import { useWorld } from './support/world.js';

let caseId: string;
let paymentId: string;
const DESCRIPTION = 'The course never unlocked — café, résumé & “quotes”.';
const NOTE = 'Internal: the merchant has 3 similar cases this month.';

async function download(path: string, token: string): Promise<{ status: number; type: string | null; bytes: Buffer; headers: Headers }> {
  const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, type: res.headers.get('content-type'), bytes: Buffer.from(await res.arrayBuffer()), headers: res.headers };
}

async function pdfText(bytes: Buffer): Promise<string> {
  const parser = new PDFParse({ data: new Uint8Array(bytes) });
  try {
    return (await parser.getText()).text;
  } finally {
    await parser.destroy();
  }
}

const { t, w } = useWorld();
beforeAll(async () => {
  const form = new FormData();
  form.append('file', new Blob([PNG], { type: 'image/png' }), 'screenshot.png');
  const up = await fetch(`${t.url}/api/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.tokens.customer}` },
    body: form,
  });
  const upload = (await up.json()) as { id: string };
  paymentId = await w.payment();
  const opened = await t.api('POST', '/api/v1/cases', {
    token: w.tokens.customer,
    body: { paymentId, issueType: 'item_not_received', description: DESCRIPTION, attachmentIds: [upload.id] },
  });
  expect(opened.status).toBe(201);
  caseId = opened.body.id;
  expect((await w.act(w.tokens.merchant, caseId, { type: 'respond', message: 'Our logs show a download on 1 March.' })).status).toBe(200);
  expect((await w.act(w.tokens.staff, caseId, { type: 'note', message: NOTE })).status).toBe(200);
  expect((await w.act(w.tokens.customer, caseId, { type: 'respond', message: 'That was not me.' })).status).toBe(200);
  const ev = await t.api('PUT', `/api/v1/platform/payments/${paymentId}/evidence/dl_1`, {
    token: w.platform,
    body: {
      type: 'download',
      occurredAt: new Date(T0 - 3600_000).toISOString(),
      ip: '203.0.113.7',
      description: 'Downloaded course.zip',
      data: { file: 'course.zip' },
    },
  });
  expect(ev.status).toBe(200);
  // A bank's dispute on the payment, as the dispute ingestion records it.
  const at = new Date(T0).toISOString();
  await t.app.services.db
    .insertInto('disputes')
    .values({
      id: 'dsp_test1',
      payment_id: paymentId,
      merchant_id: 'shop',
      source: 'stripe',
      external_id: 'dp_123',
      stage: 'inquiry',
      status: 'open',
      reason: 'product_not_received',
      amount: 10000,
      currency: 'USD',
      respond_by: at,
      network: 'visa',
      alert_kind: null,
      actionable: 0,
      reported_at: at,
      evidence: null,
      created_at: at,
      updated_at: at,
    })
    .execute();
});

describe('the case file', () => {
  it('is a PDF of real text with the case, each event, the evidence, the disputes and the chain; a party’s copy withholds notes', async () => {
    const staffCase = (await t.api('GET', `/api/v1/cases/${caseId}`, { token: w.tokens.staff })).body;
    const events = staffCase.timeline as { seq: number; type: string; message: string | null; hash: string; visibility: string }[];
    const note = events.find((e) => e.type === 'note');
    if (!note) throw new Error('no note');

    const party = await download(`/api/v1/cases/${caseId}/file.pdf`, w.tokens.customer);
    expect(party.status).toBe(200);
    expect(party.type).toBe('application/pdf');
    expect(party.headers.get('content-disposition')).toMatch(/^attachment; filename="case-file-case_.*\.pdf"$/);
    expect(party.bytes.subarray(0, 5).toString()).toBe('%PDF-');
    const text = await pdfText(party.bytes);
    expect(text).toContain(caseId);
    expect(text).toContain(DESCRIPTION);
    for (const e of events) {
      expect(text).toContain(e.hash);
      if (e.visibility === 'public') {
        expect(text).toMatch(new RegExp(`#${e.seq} · .* · ${e.type.replace(/_/g, ' ')}`));
        if (e.message) expect(text).toContain(e.message);
      }
    }
    expect(text).toContain(`#${note.seq} · staff-only event, withheld from this copy\nhash ${note.hash}`);
    expect(text).not.toContain(NOTE);
    expect(text).toContain('screenshot.png');
    expect(text).toContain('Downloaded course.zip');
    expect(text).toContain('IP 203.0.113.7');
    expect(text).toContain('dsp_test1');
    expect(text).toContain(`Final hash: ${events.at(-1)?.hash}`);
    // The PNG attachment is drawn in, as an image object.
    expect(party.bytes.toString('latin1')).toMatch(/\/Subtype \/Image/);

    const staff = await pdfText((await download(`/api/v1/cases/${caseId}/file.pdf`, w.tokens.staff)).bytes);
    expect(staff).toContain(NOTE);
    expect(staff).toContain('INTERNAL NOTE');
    expect(staff).toContain('Staff copy');
    expect(text).not.toContain('INTERNAL NOTE');
  });

  it('is the same bytes for the same case state, and changes when the case does', async () => {
    const first = await download(`/api/v1/cases/${caseId}/file.pdf`, w.tokens.merchant);
    await w.advance('PT1H');
    const second = await download(`/api/v1/cases/${caseId}/file.pdf`, w.tokens.merchant);
    expect(second.bytes.equals(first.bytes)).toBe(true);
    const json1 = await download(`/api/v1/cases/${caseId}/file.json`, w.tokens.merchant);
    const json2 = await download(`/api/v1/cases/${caseId}/file.json`, w.tokens.merchant);
    expect(json2.bytes.equals(json1.bytes)).toBe(true);

    expect((await w.act(w.tokens.merchant, caseId, { type: 'respond', message: 'One more thing.' })).status).toBe(200);
    const third = await download(`/api/v1/cases/${caseId}/file.pdf`, w.tokens.merchant);
    expect(third.bytes.equals(first.bytes)).toBe(false);
    expect(await pdfText(third.bytes)).toContain('One more thing.');
  });

  it('as JSON: the case, the timeline the reader may see, attachments, evidence, disputes and the final hash', async () => {
    const staffCase = (await t.api('GET', `/api/v1/cases/${caseId}`, { token: w.tokens.staff })).body;
    const events = staffCase.timeline as { seq: number; type: string; hash: string; visibility: string }[];
    const party = await t.api('GET', `/api/v1/cases/${caseId}/file.json`, { token: w.tokens.customer });
    expect(party.status).toBe(200);
    expect(Object.keys(party.body).sort()).toEqual(['attachments', 'case', 'disputes', 'evidence', 'integrity', 'timeline']);
    expect(party.body.case).toMatchObject({ id: caseId, description: DESCRIPTION, payment: { id: paymentId } });
    expect(party.body.case.availableActions).toBeUndefined();
    expect(party.body.timeline).toHaveLength(events.length);
    for (const [i, e] of events.entries()) {
      const entry = party.body.timeline[i];
      if (e.visibility === 'staff') expect(entry).toEqual({ seq: e.seq, hash: e.hash });
      else expect(entry).toMatchObject({ seq: e.seq, type: e.type, hash: e.hash });
    }
    expect(party.body.attachments).toEqual([
      expect.objectContaining({
        filename: 'screenshot.png',
        contentType: 'image/png',
        size: PNG.length,
        eventSeq: 1,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    ]);
    expect(party.body.evidence).toEqual([expect.objectContaining({ id: 'dl_1', type: 'download', description: 'Downloaded course.zip' })]);
    expect(party.body.disputes).toEqual([
      expect.objectContaining({ id: 'dsp_test1', stage: 'inquiry', externalId: 'dp_123', actionable: false }),
    ]);
    expect(party.body.integrity).toEqual({ algorithm: 'sha256-chain-v1', finalHash: events.at(-1)?.hash });

    const staff = await t.api('GET', `/api/v1/cases/${caseId}/file.json`, { token: w.tokens.staff });
    expect(staff.body.timeline.find((e: { type?: string }) => e.type === 'note')).toMatchObject({ message: NOTE, visibility: 'staff' });
  });

  it('is for the case’s parties and staff only', async () => {
    for (const file of ['file.pdf', 'file.json']) {
      for (const token of [w.tokens.otherCustomer, w.tokens.otherMerchant]) {
        const r = await t.api('GET', `/api/v1/cases/${caseId}/${file}`, { token });
        expect(r.status).toBe(404);
        expect(r.body.code).toBe('not_found');
      }
      expect((await t.api('GET', `/api/v1/cases/${caseId}/${file}`)).status).toBe(401);
      expect((await t.api('GET', `/api/v1/cases/${caseId}/${file}`, { token: w.platform })).status).toBe(403);
      expect((await t.api('GET', `/api/v1/cases/case_nope/${file}`, { token: w.tokens.staff })).status).toBe(404);
    }
  });
});
