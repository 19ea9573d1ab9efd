/**
 * The one typed schema. Times are ISO 8601 UTC strings (`toISOString()`): they
 * sort and compare the same on SQLite and PostgreSQL, with no zone conversions.
 * Booleans are 0/1 integers for the same reason. JSON lives in text columns.
 */
import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  password_hash: string | null;
  is_staff: number;
  time_zone: string;
  /** 1: the platform disabled this person (SPEC §15); their logins are refused. */
  disabled: Generated<number>;
  /** Set when the platform erased the person (SPEC §14): name and email replaced, password gone. */
  erased_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface MerchantsTable {
  id: string;
  name: string;
  support_email: string;
  created_at: string;
  updated_at: string;
}

export interface MerchantMembersTable {
  merchant_id: string;
  user_id: string;
}

export interface PaymentsTable {
  id: string;
  customer_id: string;
  merchant_id: string;
  amount: number;
  currency: string;
  provider: string;
  provider_payment_id: string;
  status: string;
  /** The provider's total refunded, including the refunds made here (SPEC §11). */
  refunded_amount: number;
  /** Platform credits issued for this payment. */
  credited_amount: Generated<number>;
  /** 1 when refunds and credits add up to more than the amount (money moved outside). */
  over_refunded: Generated<number>;
  product_name: string;
  paid_at: string;
  created_at: string;
  updated_at: string;
}

export interface CasesTable {
  id: string;
  payment_id: string;
  customer_id: string;
  merchant_id: string;
  issue_type: string;
  description: string;
  status: string;
  /** The open status's deadline; indexed for the sweeper. */
  due_at: string | null;
  /** Set while a first decision can still be appealed; indexed for the finaliser. */
  appeal_deadline: string | null;
  final: number;
  /** When the case entered staff review: the review queue's order. */
  review_since: string | null;
  remedy_failed: number;
  /** The staff member holding the case (SPEC §16), mirrored from the state. */
  assignee_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The payment's product, copied at opening (insights read a window of cases without joins). */
  product_name: ColumnType<string, string | undefined, string>;
  /** When the merchant first acted on the case, set once by the write path. */
  first_response_at: ColumnType<string | null, string | null | undefined, string | null>;
  /** The rest of the reduced CaseState, as JSON. */
  state: string;
  version: number;
  created_at: string;
  updated_at: string;
}

export interface CaseEventsTable {
  id: string;
  case_id: string;
  seq: number;
  type: string;
  actor_kind: string;
  actor_id: string | null;
  actor_name: string;
  /** 'platform' when the platform acted for the person (RC-On-Behalf-Of, SPEC §14). */
  actor_via: string | null;
  message: string | null;
  attachments: string;
  data: string;
  visibility: string;
  created_at: string;
  /** SPEC §13's chained hash: covers the previous event's hash and this event. */
  hash: string;
}

export interface SessionsTable {
  token_hash: string;
  user_id: string;
  created_at: string;
  expires_at: string;
}

export interface LoginTokensTable {
  token_hash: string;
  user_id: string;
  expires_at: string;
  used_at: string | null;
}

export interface IdempotencyKeysTable {
  scope: string;
  key: string;
  request_hash: string;
  status_code: number | null;
  response_body: string | null;
  created_at: string;
}

export interface CreditEntriesTable {
  id: string;
  customer_id: string;
  case_id: string;
  currency: string;
  amount: number;
  created_at: string;
}

export interface OutboxTable {
  id: Generated<number>;
  kind: string;
  case_id: string | null;
  payload: string;
  /** Stable across retries: the provider's idempotency key, the mail's Message-ID, the webhook event id. */
  idempotency_key: string;
  status: ColumnType<string, string | undefined, string>;
  attempts: ColumnType<number, number | undefined, number>;
  /** When the row may next be claimed: its schedule, its backoff and its lease. */
  run_at: string;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

export interface ClockTable {
  id: number;
  offset_ms: number;
}

export interface MailboxTable {
  id: Generated<number>;
  message_id: string;
  to_address: string;
  subject: string;
  text: string;
  html: string;
  case_id: string | null;
  created_at: string;
}

export interface WebhookEndpointsTable {
  id: string;
  url: string;
  secret: string;
  /** JSON array of the subscribed event types. */
  events: string;
  enabled: number;
  /** The secret before the last rotation, still signed with until `previous_secret_until`. */
  previous_secret: string | null;
  previous_secret_until: string | null;
  created_at: string;
  updated_at: string;
}

/** Every webhook event, whether or not an endpoint took it (SPEC §14's events API). */
export interface WebhookEventsTable {
  /** Insertion order (SQLite's rowid, a PostgreSQL identity): not commit order across transactions. */
  seq: Generated<number>;
  /** The place in the events API's order, handed out by `webhook_event_counter` after the commit; null until then. */
  pos: number | null;
  id: string;
  type: string;
  case_id: string | null;
  /** The event's JSON, exactly as delivered. */
  body: string;
  created_at: string;
}

export interface WebhookEventCounterTable {
  id: number;
  n: number;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  endpoint_id: string;
  event_id: string;
  event_type: string;
  case_id: string | null;
  attempt: number;
  status_code: number | null;
  error: string | null;
  duration_ms: number;
  /** The outbox row that carries the delivery: its status says pending, done or dead. */
  outbox_id: number | null;
  created_at: string;
}

export interface UploadsTable {
  id: string;
  user_id: string;
  storage_key: string;
  /** The cleaned original name: for display only. */
  filename: string;
  /** Sniffed from the bytes, never the client's word. */
  content_type: string;
  size: number;
  sha256: string;
  /** Null while unused; set by the action that attaches it. */
  case_id: string | null;
  claimed_at: string | null;
  created_at: string;
}

/** What a bank, network or provider says about a payment (SPEC §12), kept even without a case. */
export interface DisputesTable {
  id: string;
  payment_id: string;
  merchant_id: string;
  source: string;
  external_id: string;
  stage: string;
  status: string;
  reason: string | null;
  amount: number;
  currency: string;
  respond_by: string | null;
  network: string | null;
  alert_kind: string | null;
  actionable: number;
  /** The source's time of the latest report applied (an older report never rolls it back). */
  reported_at: string;
  /** Staged chargeback evidence (SPEC §13), JSON. */
  evidence: string | null;
  /** The refund the dispute itself makes (no open case): pending, succeeded, failed, nothing_left; null: none. */
  refund_state: ColumnType<string | null, string | null | undefined, string | null>;
  refund_amount: ColumnType<number | null, number | null | undefined, number | null>;
  refund_id: ColumnType<string | null, string | null | undefined, string | null>;
  /** The merchant's automatic rule that acted on it (alert_auto_refund), if any. */
  rule: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: string;
  updated_at: string;
}

/** A merchant's automation (SPEC §12), JSON. */
export interface MerchantSettingsTable {
  merchant_id: string;
  settings: string;
  updated_at: string;
}

/** Rate-limit counters shared by every instance on PostgreSQL (SPEC §15); SQLite keeps them in memory. */
export interface RateLimitCountersTable {
  key: string;
  count: number;
  /** Epoch milliseconds, on the service's clock, when the window ends. */
  reset_at: number;
}

/** What the platform knows of a payment's delivery and use (SPEC §13): append-only. */
export interface SystemEvidenceTable {
  /** Arrival order: the tie-break after occurred_at. */
  n: Generated<number>;
  payment_id: string;
  /** The platform's own id, unique per payment. */
  id: string;
  type: string;
  occurred_at: string;
  ip: string | null;
  device_id: string | null;
  user_agent: string | null;
  description: string;
  /** Canonical JSON of the object, or null. */
  data: string | null;
  created_at: string;
}

/** A saved reply (SPEC §16): a merchant's (merchant_id) or the staff's (null). */
export interface SavedRepliesTable {
  id: string;
  merchant_id: string | null;
  title: string;
  body: string;
  created_by: string;
  created_at: string;
  updated_at: string;
}

export interface DB {
  users: UsersTable;
  merchants: MerchantsTable;
  merchant_members: MerchantMembersTable;
  payments: PaymentsTable;
  cases: CasesTable;
  case_events: CaseEventsTable;
  sessions: SessionsTable;
  login_tokens: LoginTokensTable;
  idempotency_keys: IdempotencyKeysTable;
  credit_entries: CreditEntriesTable;
  outbox: OutboxTable;
  clock: ClockTable;
  mailbox: MailboxTable;
  webhook_endpoints: WebhookEndpointsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_events: WebhookEventsTable;
  webhook_event_counter: WebhookEventCounterTable;
  uploads: UploadsTable;
  disputes: DisputesTable;
  rate_limit_counters: RateLimitCountersTable;
  system_evidence: SystemEvidenceTable;
  merchant_settings: MerchantSettingsTable;
  saved_replies: SavedRepliesTable;
}

export type UserRow = Selectable<UsersTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type CaseRow = Selectable<CasesTable>;
export type CaseEventRow = Selectable<CaseEventsTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type NewOutboxRow = Insertable<OutboxTable>;
export type UploadRow = Selectable<UploadsTable>;
export type DisputeRow = Selectable<DisputesTable>;
export type SystemEvidenceRow = Selectable<SystemEvidenceTable>;
