/**
 * A merchant's automation (SPEC §12): auto-refund thresholds per provider kind and
 * currency for new cases, and a threshold for the bank's inquiries and early warnings.
 * Amounts are minor units; "below" is strict; an absent currency means off.
 */
import type { Kysely, Transaction } from 'kysely';
import type { DB } from '../db/schema.js';

export type Thresholds = Record<string, number>;

export interface MerchantSettings {
  autoRefund: { card: Thresholds; paypal: Thresholds; message: string | null };
  alertAutoRefund: Thresholds;
}

export const NO_SETTINGS: MerchantSettings = { autoRefund: { card: {}, paypal: {}, message: null }, alertAutoRefund: {} };

export function normalizeSettings(input: {
  autoRefund?: { card?: Thresholds | undefined; paypal?: Thresholds | undefined; message?: string | null | undefined } | undefined;
  alertAutoRefund?: Thresholds | undefined;
}): MerchantSettings {
  const upper = (t: Thresholds | undefined) => Object.fromEntries(Object.entries(t ?? {}).map(([c, a]) => [c.toUpperCase(), a]));
  return {
    autoRefund: {
      card: upper(input.autoRefund?.card),
      paypal: upper(input.autoRefund?.paypal),
      message: input.autoRefund?.message ?? null,
    },
    alertAutoRefund: upper(input.alertAutoRefund),
  };
}

export async function readSettings(db: Kysely<DB> | Transaction<DB>, merchantId: string): Promise<MerchantSettings> {
  const row = await db.selectFrom('merchant_settings').select('settings').where('merchant_id', '=', merchantId).executeTakeFirst();
  return settingsOf(row?.settings ?? null);
}

/** A merchant's stored settings (`merchant_settings.settings`, null when it has none). */
export function settingsOf(stored: string | null): MerchantSettings {
  return stored ? normalizeSettings(JSON.parse(stored) as MerchantSettings) : NO_SETTINGS;
}

export async function writeSettings(db: Kysely<DB>, merchantId: string, settings: MerchantSettings, now: Date): Promise<void> {
  const values = { settings: JSON.stringify(settings), updated_at: now.toISOString() };
  await db
    .insertInto('merchant_settings')
    .values({ merchant_id: merchantId, ...values })
    .onConflict((oc) => oc.column('merchant_id').doUpdateSet(values))
    .execute();
}

/** The threshold of a new case's auto-refund for a payment of `provider` in `currency`, if any. */
export function caseThreshold(s: MerchantSettings, provider: string, currency: string): number | null {
  const byKind = provider === 'stripe' ? s.autoRefund.card : provider === 'paypal' ? s.autoRefund.paypal : null;
  return byKind?.[currency.toUpperCase()] ?? null;
}

/** Strictly below: a payment of exactly the threshold is left to the merchant. */
export function below(remaining: number, threshold: number | null): boolean {
  return threshold !== null && remaining > 0 && remaining < threshold;
}
