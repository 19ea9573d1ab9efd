/**
 * The tamper-evident timeline (SPEC §13): each event's `hash` covers the previous
 * event's hash and the event's own canonical JSON, so changing, removing or
 * reordering a stored event breaks every hash after it.
 */
import { sha256 } from '../ids.js';
import type { CaseEventRow } from '../db/schema.js';

export const CHAIN_ALGORITHM = 'sha256-chain-v1';

/** JSON with object keys sorted at every level and no whitespace; `undefined` members are left out, as JSON.stringify does. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** What the first event of a case chains to. */
export function genesisHash(caseId: string): string {
  return sha256(caseId);
}

/** The fields an event's hash covers, as the case view shows them (actor names left out: erasure never breaks a chain). */
export interface ChainedEvent {
  id: string;
  caseId: string;
  seq: number;
  type: string;
  actor: { kind: string; id: string | null; via?: string | undefined };
  message: string | null;
  attachments: unknown;
  data: unknown;
  visibility: string;
  createdAt: string;
}

export function eventHash(previousHash: string, e: ChainedEvent): string {
  const canonical = canonicalJson({
    id: e.id,
    caseId: e.caseId,
    seq: e.seq,
    type: e.type,
    // `via` only when set, so events from before it existed keep their hashes.
    actor: { kind: e.actor.kind, id: e.actor.id, via: e.actor.via },
    message: e.message,
    attachments: e.attachments,
    data: e.data,
    visibility: e.visibility,
    createdAt: e.createdAt,
  });
  return sha256(previousHash + canonical);
}

/** A stored row's hash input: `attachments` and `data` parsed from their JSON text, as the view parses them. */
export function chainedRow(r: Omit<CaseEventRow, 'hash' | 'actor_name' | 'actor_via'> & { actor_via?: string | null }): ChainedEvent {
  return {
    id: r.id,
    caseId: r.case_id,
    seq: r.seq,
    type: r.type,
    actor: { kind: r.actor_kind, id: r.actor_id, via: r.actor_via ?? undefined },
    message: r.message,
    attachments: JSON.parse(r.attachments) as unknown,
    data: JSON.parse(r.data) as unknown,
    visibility: r.visibility,
    createdAt: r.created_at,
  };
}
