/**
 * The case file (SPEC §13): everything a reader may see of a case in one document, as
 * JSON and as a PDF of real text, with an integrity page that lets anyone re-check the
 * timeline's hash chain. The same case state always gives the same bytes, so a file
 * handed to a bank can be compared with a later download.
 */
import type { Readable } from 'node:stream';
import PDFDocument from 'pdfkit';
import type { Kysely } from 'kysely';
import type { Viewer } from '../cases/access.js';
import { CHAIN_ALGORITHM, canonicalJson, genesisHash } from '../cases/chain.js';
import type { CaseQueries } from '../cases/queries.js';
import { type CaseView, type EventView, eventView } from '../cases/views.js';
import type { Clock } from '../clock.js';
import type { DB } from '../db/schema.js';
import type { DisputeView, Disputes } from '../disputes/disputes.js';
import type { Uploads } from '../files/uploads.js';
import { SystemEvidence, type EvidenceView } from '../evidence/system.js';
import { formatMoney } from '../domain/money.js';

/** What a case file is read from: a part of the services, named here so the file does not depend on all of them. */
export interface CaseFileSources {
  db: Kysely<DB>;
  clock: Clock;
  queries: CaseQueries;
  disputes: Pick<Disputes, 'forPayment'>;
  uploads: Pick<Uploads, 'stream'>;
}

/** The case file reads the same on every machine: one locale. */
const money = (amount: number, currency: string) => formatMoney(amount, currency, 'en-US');

/** A staff-only event in a party's copy: its place in the chain, nothing of its content. */
export interface WithheldEvent {
  seq: number;
  hash: string;
}

export interface CaseFileAttachment {
  id: string;
  eventSeq: number;
  filename: string;
  contentType: string;
  size: number;
  sha256: string;
}

/** The case as of its last change: what depends on the reader or the moment (actions, role) is left out. */
export type CaseFileCase = Omit<CaseView, 'availableActions' | 'role' | 'timeline'>;

export interface CaseFile {
  case: CaseFileCase;
  timeline: (EventView | WithheldEvent)[];
  attachments: CaseFileAttachment[];
  evidence: EvidenceView[];
  disputes: DisputeView[];
  integrity: { algorithm: typeof CHAIN_ALGORITHM; finalHash: string };
}

export const isShown = (e: EventView | WithheldEvent): e is EventView => 'type' in e;

/**
 * The file's content for a reader: a person (`404` if they may not see the case; staff's
 * copy has the internal notes), or `null` for the platform's copy, which is a party's
 * (no internal notes): the one to hand to a bank or a provider.
 */
export async function caseFileData(s: CaseFileSources, caseId: string, viewer: Viewer | null): Promise<CaseFile> {
  return (await gather(s, caseId, viewer)).file;
}

/** The PDF of a case file for a reader (see caseFileData): the bytes, ready to download or upload to a provider. */
export async function buildCaseFile(
  s: CaseFileSources,
  caseId: string,
  viewer: Viewer | null,
  { drawImages = true }: { drawImages?: boolean } = {},
): Promise<Buffer> {
  const { file, staff } = await gather(s, caseId, viewer);
  return renderCaseFile(file, drawImages ? await loadImages(s, file) : new Map<string, Buffer>(), staff);
}

async function gather(s: CaseFileSources, caseId: string, viewer: Viewer | null): Promise<{ file: CaseFile; staff: boolean }> {
  const now = s.clock.now();
  const view = viewer ? await s.queries.get(viewer, caseId, now) : await s.queries.getForPlatform(caseId, now);
  const { availableActions: _a, role, timeline: _t, ...summary } = view;
  const rows = await s.db.selectFrom('case_events').selectAll().where('case_id', '=', caseId).orderBy('seq').execute();
  const staff = role === 'staff';
  const timeline = rows.map((r) => (staff || r.visibility === 'public' ? eventView(r) : { seq: r.seq, hash: r.hash }));
  const attachments = timeline.flatMap((e) => (isShown(e) ? e.attachments.map((a) => ({ ...a, eventSeq: e.seq })) : []));
  const file: CaseFile = {
    case: summary,
    timeline,
    attachments,
    evidence: await new SystemEvidence(s.db).forPayment(view.payment.id),
    disputes: await s.disputes.forPayment(view.payment.id),
    integrity: { algorithm: CHAIN_ALGORITHM, finalHash: rows.at(-1)?.hash ?? genesisHash(caseId) },
  };
  return { file, staff };
}

/** Images larger than this are listed, not drawn: the file stays small enough to send to a bank. */
const MAX_DRAWN_IMAGE_BYTES = 5 * 1024 * 1024;
const DRAWN_TYPES = new Set(['image/png', 'image/jpeg']);

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** The PNG and JPEG attachments' bytes, by attachment id. */
async function loadImages(s: CaseFileSources, file: CaseFile): Promise<Map<string, Buffer>> {
  const ids = file.attachments.filter((a) => DRAWN_TYPES.has(a.contentType) && a.size <= MAX_DRAWN_IMAGE_BYTES).map((a) => a.id);
  const images = new Map<string, Buffer>();
  if (ids.length === 0) return images;
  const rows = await s.db.selectFrom('uploads').selectAll().where('id', 'in', ids).execute();
  for (const row of rows) images.set(row.id, await readAll(await s.uploads.stream(row)));
  return images;
}

// The PDF's standard fonts speak Windows-1252: its characters are kept, anything else becomes "?" (file.json keeps the exact text).
const WIN_ANSI_EXTRA = new Set([...'€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ']);
function pdfText(s: string): string {
  let out = '';
  for (const ch of s.normalize('NFC')) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '\n' || (code >= 0x20 && code < 0x7f) || (code >= 0xa0 && code <= 0xff) || WIN_ANSI_EXTRA.has(ch)) out += ch;
    else if (code === 0x09) out += ' ';
    else if (code >= 0x20 && !(code >= 0x7f && code < 0xa0)) out += '?';
  }
  return out;
}

const when = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
const words = (s: string) => s.replace(/_/g, ' ');
function size(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

interface OpenedImage {
  width: number;
  height: number;
}

/** Lays the file out as a PDF. Every input is from `file`; dates in the PDF's info are the case's last change, so the bytes are a function of the case. */
export function renderCaseFile(file: CaseFile, images: Map<string, Buffer>, staffCopy: boolean): Promise<Buffer> {
  const c = file.case;
  const changed = new Date(c.updatedAt);
  const doc = new PDFDocument({
    size: 'A4',
    margin: 50,
    bufferPages: true,
    info: {
      Title: pdfText(`Case file ${c.id}`),
      Author: 'Resolution Center',
      Subject: pdfText(`${c.payment.productName}: ${c.customer.name} and ${c.merchant.name}`),
      Creator: 'Resolution Center',
      Producer: 'Resolution Center (pdfkit)',
      CreationDate: changed,
      ModDate: changed,
    },
  });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const width = doc.page.width - 100;
  const text = (s: string, o: PDFKit.Mixins.TextOptions = {}) => doc.text(pdfText(s), { width, ...o });
  const heading = (s: string) => {
    doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13).fillColor('#111111');
    text(s);
    doc.moveDown(0.3).font('Helvetica').fontSize(10);
  };
  const fact = (label: string, value: string) => {
    doc.font('Helvetica-Bold').fillColor('#444444');
    text(`${label}: `, { continued: true });
    doc.font('Helvetica').fillColor('#111111');
    text(value);
  };
  const small = (s: string) => {
    doc.fontSize(8).fillColor('#555555');
    text(s);
    doc.fontSize(10).fillColor('#111111');
  };

  doc.font('Helvetica-Bold').fontSize(18);
  text('Case file');
  doc.font('Helvetica').fontSize(10).fillColor('#555555');
  text(`Case ${c.id} · as of ${when(c.updatedAt)} (version ${c.version})`);
  text(
    staffCopy
      ? 'Staff copy: includes internal notes, each marked as such.'
      : 'Copy for the parties: staff-only events are listed by sequence number and hash alone.',
  );
  doc.fillColor('#111111');

  heading('Summary');
  fact('Issue', words(c.issueType));
  fact('Status', `${words(c.status)}${c.final ? ' (final)' : ''}`);
  fact('Customer', `${c.customer.name} (${c.customer.id})`);
  fact('Merchant', `${c.merchant.name} (${c.merchant.id})`);
  fact('Opened', when(c.createdAt));
  if (c.dueAt) fact('Deadline', when(c.dueAt));
  if (c.appealDeadline) fact('Appeals close', when(c.appealDeadline));
  if (c.offer) fact('Open offer', money(c.offer.amount, c.offer.currency));
  if (c.outcome)
    fact(
      'Outcome',
      `${words(c.outcome.kind)}, ${money(c.outcome.amount, c.outcome.currency)}` +
        `${c.outcome.fundedBy ? `, funded by the ${c.outcome.fundedBy}` : ''}${c.outcome.execution ? ` (${c.outcome.execution})` : ''}`,
    );
  doc.moveDown(0.4).font('Helvetica-Bold');
  text('What the customer said');
  doc.font('Helvetica');
  text(c.description);

  heading('Payment');
  fact('Payment', c.payment.id);
  fact('Product', c.payment.productName);
  fact('Amount', money(c.payment.amount, c.payment.currency));
  fact('Refunded', money(c.payment.refundedAmount, c.payment.currency));
  fact('Provider', c.payment.provider);
  fact('Paid', when(c.payment.paidAt));

  heading('Timeline');
  for (const e of file.timeline) {
    if (!isShown(e)) {
      doc.fillColor('#555555');
      text(`#${e.seq} · staff-only event, withheld from this copy`);
      small(`hash ${e.hash}`);
      doc.fillColor('#111111').moveDown(0.4);
      continue;
    }
    if (e.visibility === 'staff') {
      doc.font('Helvetica-Bold').fillColor('#9a3412');
      text('INTERNAL NOTE · staff only, never shown to the parties');
    }
    doc.font('Helvetica-Bold').fillColor('#111111');
    text(`#${e.seq} · ${when(e.createdAt)} · ${e.actor.name} (${e.actor.kind}) · ${words(e.type)}`);
    doc.font('Helvetica');
    if (e.message) text(e.message);
    const data = Object.entries(e.data).filter(([k]) => k !== 'outcome');
    if (data.length) small(data.map(([k, v]) => `${k}: ${typeof v === 'string' ? v : canonicalJson(v)}`).join(' · '));
    for (const a of e.attachments) small(`Attachment: ${a.filename} (${a.contentType}, ${size(a.size)})`);
    doc.fillColor('#111111').moveDown(0.5);
  }

  heading('Attachments');
  if (file.attachments.length === 0) text('None.');
  for (const a of file.attachments) {
    doc.font('Helvetica-Bold');
    text(`${a.filename} (event #${a.eventSeq})`);
    doc.font('Helvetica');
    small(`${a.contentType} · ${size(a.size)} · sha256 ${a.sha256}`);
    const bytes = images.get(a.id);
    if (bytes) {
      try {
        // openImage is pdfkit's documented way to learn an image's size before placing it.
        const img = (doc as unknown as { openImage(b: Buffer): OpenedImage }).openImage(bytes);
        const scale = Math.min(1, width / img.width, 300 / img.height);
        const w = Math.max(1, img.width * scale);
        const h = Math.max(1, img.height * scale);
        if (doc.y + h > doc.page.height - doc.page.margins.bottom) doc.addPage();
        doc.image(bytes, doc.page.margins.left, doc.y, { width: w, height: h });
        doc.y += h + 6;
      } catch {
        small('(This image could not be drawn; its bytes are unchanged in the case.)');
      }
    }
    doc.moveDown(0.5);
  }

  heading('System evidence');
  small('What the marketplace recorded of the payment’s delivery and use, by the time it happened.');
  if (file.evidence.length === 0) text('None recorded.');
  for (const e of file.evidence) {
    doc.font('Helvetica-Bold');
    text(`${when(e.occurredAt)} · ${words(e.type)}`);
    doc.font('Helvetica');
    text(e.description);
    const meta = [e.ip && `IP ${e.ip}`, e.deviceId && `device ${e.deviceId}`, e.userAgent && `user agent ${e.userAgent}`].filter(Boolean);
    if (meta.length) small(meta.join(' · '));
    if (e.data) small(canonicalJson(e.data));
    doc.moveDown(0.4);
  }

  heading('Disputes with the bank or provider');
  if (file.disputes.length === 0) text('None.');
  for (const d of file.disputes) {
    text(
      `${d.id} · ${d.source} ${d.externalId} · ${words(d.stage)}, ${words(d.status)} · ${money(d.amount, d.currency)}` +
        `${d.reason ? ` · reason ${words(d.reason)}` : ''}${d.respondBy ? ` · respond by ${when(d.respondBy)}` : ''}`,
    );
  }

  doc.addPage();
  heading('Integrity');
  text(
    `Each event's hash is hex(sha256(previousHash + canonical)), where canonical is the JSON of {id, caseId, seq, type, ` +
      'actor: {kind, id, via (only when set)}, message, attachments, data, visibility, createdAt} with keys sorted at every level and no whitespace, ' +
      `and the first event's previousHash is hex(sha256(caseId)). Algorithm: ${file.integrity.algorithm}.`,
  );
  doc.moveDown(0.5);
  fact('First previousHash', genesisHash(c.id));
  doc.moveDown(0.5).font('Courier').fontSize(8);
  for (const e of file.timeline) text(`#${String(e.seq).padStart(4)}  ${e.hash}  ${isShown(e) ? e.type : '(withheld)'}`);
  doc.font('Helvetica').fontSize(10).moveDown(0.8);
  fact('Final hash', file.integrity.finalHash);

  const pages = doc.bufferedPageRange();
  for (let i = 0; i < pages.count; i++) {
    doc.switchToPage(pages.start + i);
    const bottom = doc.page.margins.bottom;
    doc.page.margins.bottom = 0;
    doc
      .font('Helvetica')
      .fontSize(8)
      .fillColor('#777777')
      .text(`Case ${c.id} · page ${i + 1} of ${pages.count}`, 50, doc.page.height - 35, { width, align: 'center', lineBreak: false });
    doc.page.margins.bottom = bottom;
  }
  doc.end();
  return done;
}
