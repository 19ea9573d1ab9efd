/**
 * Bank disputes in the web app (SPEC §12): the banner on a merchant's case page when the
 * customer's bank is asking, the inbox's alerts without a case (Refund / Dismiss), and
 * the merchant's auto-refund settings.
 */
import { useState } from 'react';
import { ApiError, type Case, api, all } from '../api';
import { major, money, parseMajor } from '../format';
import { Link } from '../router';
import { useMe } from '../session';
import { Alert, Countdown, ErrorBox, Loading, PageHeader, useLoad } from '../ui';
import type { z } from 'zod';
import type { AlertView, MerchantSettingsView } from '../../../src/http/routes/disputes';

export type BankDispute = z.infer<typeof AlertView>;
type Settings = z.infer<typeof MerchantSettingsView>;

const STAGE_WORDS: Record<string, string> = {
  inquiry: 'Bank inquiry',
  early_warning: 'Early fraud warning',
  chargeback: 'Chargeback',
  pre_arbitration: 'Pre-arbitration',
  arbitration: 'Arbitration',
};

const openAlert = (d: BankDispute) => d.availableActions.includes('refund');

function useAct(onDone: () => void) {
  const [busy, setBusy] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const act = async (d: BankDispute, type: 'refund' | 'dismiss') => {
    setBusy(`${d.id}-${type}`);
    setError(null);
    try {
      await api('POST', `/disputes/${encodeURIComponent(d.id)}/actions`, { type });
      setDone(type === 'refund' ? 'Refunded: the customer gets what was left of the payment, and the bank is told.' : 'Alert dismissed.');
      onDone();
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, 'error', 'The action failed.'));
    } finally {
      setBusy(null);
    }
  };
  return { busy, error, done, act };
}

/** On a merchant's (or staff's) case page: the bank is asking; a refund now prevents the chargeback. */
export function BankAlertBanner({ c, onChanged }: { c: Case; onChanged: () => void }) {
  const canAct = c.role === 'merchant' || c.role === 'staff';
  const { value, reload } = useLoad(
    () =>
      canAct
        ? all<BankDispute>(
            `/merchants/${encodeURIComponent(c.merchant.id)}/disputes?paymentId=${encodeURIComponent(c.payment.id)}&status=open`,
          )
        : Promise.resolve([]),
    [c.id, c.version],
  );
  const { busy, error, act } = useAct(() => {
    void reload();
    onChanged();
  });
  if (value.state !== 'ready') return null;
  const alerts = value.data.filter(openAlert);
  if (alerts.length === 0) return error ? <ErrorBox error={error} /> : null;
  const left = c.payment.amount - c.payment.refundedAmount;
  return (
    <>
      {alerts.map((d) => (
        <section key={d.id} className="card bank-alert" aria-labelledby={`bank-${d.id}`}>
          <h2 id={`bank-${d.id}`} className="card-title">
            The customer’s bank is asking about this payment — refund now to prevent a chargeback
          </h2>
          <p>
            {STAGE_WORDS[d.stage] ?? d.stage}
            {d.network ? ` via ${d.network}` : ''}. A refund of <strong>{money(left, c.payment.currency)}</strong> (what is left of the
            payment) closes this case in the customer’s favour and stops the chargeback, its fee and the mark on your dispute rate.
          </p>
          {d.respondBy && (
            <p className="status-due">
              <span className="muted">The bank’s deadline: </span>
              <Countdown dueAt={d.respondBy} />
            </p>
          )}
          {error && <ErrorBox error={error} />}
          <button type="button" className="btn btn-primary" disabled={busy !== null} onClick={() => void act(d, 'refund')}>
            {busy === `${d.id}-refund` ? 'Refunding…' : `Refund ${money(left, c.payment.currency)} now`}
          </button>
        </section>
      ))}
    </>
  );
}

/** In the merchant's inbox: the bank's alerts on payments without an open case. */
export function InboxAlerts() {
  const me = useMe();
  const { value, reload } = useLoad(
    async () =>
      (await Promise.all(me.merchants.map((m) => all<BankDispute>(`/merchants/${encodeURIComponent(m.id)}/disputes?status=open`))))
        .flat()
        .filter((d) => openAlert(d) && d.caseId === null),
    [me.merchants.map((m) => m.id).join(',')],
    15_000,
  );
  const { busy, error, done, act } = useAct(() => void reload());
  if (value.state === 'loading') return null;
  if (value.state === 'error') return <ErrorBox error={value.error} retry={() => void reload()} />;
  if (value.data.length === 0) return done ? <Alert tone="success">{done}</Alert> : null;
  return (
    <section className="card bank-alerts" aria-labelledby="bank-alerts-title">
      <h2 id="bank-alerts-title" className="card-title">
        Bank alerts ({value.data.length})
      </h2>
      <p className="muted">
        The customer’s bank is asking about these payments. No case is open: refund now to prevent a chargeback, or dismiss the alert.
      </p>
      {done && <Alert tone="success">{done}</Alert>}
      {error && <ErrorBox error={error} />}
      <ul className="alert-list">
        {value.data.map((d) => (
          <li key={d.id} className="alert-item">
            <div>
              <strong>{STAGE_WORDS[d.stage] ?? d.stage}</strong> on payment <span className="mono">{d.paymentId}</span>:{' '}
              {money(d.amount, d.currency)}
              {d.reason ? ` (${d.reason.replaceAll('_', ' ')})` : ''}
              {d.respondBy && (
                <div className="small">
                  <span className="muted">The bank’s deadline: </span>
                  <Countdown dueAt={d.respondBy} />
                </div>
              )}
            </div>
            <div className="alert-actions">
              <button type="button" className="btn btn-primary" disabled={busy !== null} onClick={() => void act(d, 'refund')}>
                {busy === `${d.id}-refund` ? 'Refunding…' : 'Refund'}
                <span className="visually-hidden"> payment {d.paymentId}</span>
              </button>
              <button type="button" className="btn btn-secondary" disabled={busy !== null} onClick={() => void act(d, 'dismiss')}>
                Dismiss<span className="visually-hidden"> the alert on payment {d.paymentId}</span>
              </button>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}

const CURRENCIES = ['USD', 'EUR', 'GBP'] as const;
type Kind = 'card' | 'paypal' | 'alert';
const KINDS: [Kind, string, string][] = [
  ['card', 'Card payments (Stripe)', 'A new case on a card payment below this amount is accepted and refunded at once.'],
  ['paypal', 'PayPal payments', 'A new case on a PayPal payment below this amount is accepted and refunded at once.'],
  ['alert', 'Bank alerts', 'A bank inquiry or early fraud warning below this amount is refunded at once, before it becomes a chargeback.'],
];

/** The merchant's auto-refund rules: members change them, staff read them. */
export function SettingsPage() {
  const me = useMe();
  const [merchantId, setMerchantId] = useState(me.merchants[0]?.id ?? '');
  const { value, reload } = useLoad(() => api<Settings>('GET', `/merchants/${encodeURIComponent(merchantId)}/settings`), [merchantId]);
  if (!merchantId) return <PageHeader title="Auto-refund rules" subtitle="You are not a member of any merchant." />;
  return (
    <>
      <PageHeader
        title="Auto-refund rules"
        subtitle="Refund small claims and bank alerts at once, before they cost you a chargeback. Amounts are strict: below, not equal."
        actions={
          me.merchants.length > 1 && (
            <div className="field-inline">
              <label htmlFor="settings-merchant">Merchant</label>
              <select id="settings-merchant" value={merchantId} onChange={(e) => setMerchantId(e.target.value)}>
                {me.merchants.map((m) => (
                  <option key={m.id} value={m.id}>
                    {m.name}
                  </option>
                ))}
              </select>
            </div>
          )
        }
      />
      {value.state === 'loading' && <Loading />}
      {value.state === 'error' && <ErrorBox error={value.error} retry={() => void reload()} />}
      {value.state === 'ready' && <SettingsForm key={merchantId} merchantId={merchantId} initial={value.data} />}
    </>
  );
}

function SettingsForm({ merchantId, initial }: { merchantId: string; initial: Settings }) {
  const table = (k: Kind) => (k === 'alert' ? initial.alertAutoRefund : initial.autoRefund[k]);
  const [fields, setFields] = useState<Record<string, string>>(() => {
    const out: Record<string, string> = {};
    for (const [k] of KINDS)
      for (const cur of CURRENCIES) {
        const v = table(k)[cur];
        out[`${k}-${cur}`] = v === undefined ? '' : major(v, cur);
      }
    return out;
  });
  const [message, setMessage] = useState(initial.autoRefund.message ?? '');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);

  const save = async (e: React.FormEvent) => {
    e.preventDefault();
    setError(null);
    setSaved(false);
    const tables: Record<Kind, Record<string, number>> = { card: {}, paypal: {}, alert: {} };
    for (const [k, label] of KINDS) {
      // Currencies not shown here are kept as they are.
      for (const [cur, v] of Object.entries(table(k))) if (!(CURRENCIES as readonly string[]).includes(cur)) tables[k][cur] = v;
      for (const cur of CURRENCIES) {
        const raw = (fields[`${k}-${cur}`] ?? '').trim();
        if (!raw) continue;
        const minor = parseMajor(raw, cur);
        if (minor === null || minor <= 0) return setError(`${label}, ${cur}: enter an amount such as 25.00, or leave it empty.`);
        tables[k][cur] = minor;
      }
    }
    setBusy(true);
    try {
      await api('PUT', `/merchants/${encodeURIComponent(merchantId)}/settings`, {
        autoRefund: { card: tables.card, paypal: tables.paypal, message: message.trim() || null },
        alertAutoRefund: tables.alert,
      });
      setSaved(true);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'Saving failed.');
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card settings-form" onSubmit={(e) => void save(e)} noValidate>
      {saved && <Alert tone="success">Saved. The rules apply to new cases and new bank alerts from now on.</Alert>}
      {error && <Alert tone="error">{error}</Alert>}
      {KINDS.map(([k, label, help]) => (
        <fieldset key={k} className="field">
          <legend>{label}</legend>
          <p className="muted small" id={`help-${k}`}>
            {help} Leave a currency empty to switch the rule off for it.
          </p>
          <div className="threshold-row">
            {CURRENCIES.map((cur) => (
              <div key={cur} className="field-inline">
                <label htmlFor={`t-${k}-${cur}`}>Below ({cur})</label>
                <input
                  id={`t-${k}-${cur}`}
                  inputMode="decimal"
                  aria-describedby={`help-${k}`}
                  value={fields[`${k}-${cur}`] ?? ''}
                  onChange={(e) => setFields({ ...fields, [`${k}-${cur}`]: e.target.value })}
                />
              </div>
            ))}
          </div>
        </fieldset>
      ))}
      <div className="field">
        <label htmlFor="auto-message">Message to the customer when a case is accepted automatically</label>
        <textarea id="auto-message" rows={3} maxLength={5000} value={message} onChange={(e) => setMessage(e.target.value)} />
      </div>
      <button type="submit" className="btn btn-primary" disabled={busy}>
        {busy ? 'Saving…' : 'Save rules'}
      </button>
      <p className="muted small">
        Every automatic refund says which rule acted, on the case’s timeline and in your mail. <Link to="/inbox">Back to the inbox</Link>
      </p>
    </form>
  );
}
