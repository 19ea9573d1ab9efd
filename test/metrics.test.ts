/** Prometheus metrics an operator scrapes with the platform key. */
import { describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

const scrape = async () => {
  const r = await t.api('GET', '/metrics', { token: w.platform });
  expect(r.status).toBe(200);
  return String(r.body);
};
const value = (text: string, series: string) => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '));
  return line ? Number(line.slice(series.length + 1)) : undefined;
};

describe('/metrics', () => {
  it('is for the platform key only', async () => {
    expect((await t.api('GET', '/metrics')).status).toBe(401);
    expect((await t.api('GET', '/metrics', { token: w.tokens.staff })).status).toBe(403);
  });

  it('reports cases by status, outbox depth, deadline lag and request latency', async () => {
    const a = await w.openCase();
    await w.openCase();
    await w.act(w.tokens.merchant, a.id, { type: 'accept' });
    let text = await scrape();
    expect(value(text, 'rc_cases{status="merchant_response_needed"}')).toBe(1);
    expect(value(text, 'rc_cases{status="customer_won"}')).toBe(1);
    expect(value(text, 'rc_outbox_rows{kind="remedy",status="pending"}')).toBe(1);
    expect(value(text, 'rc_deadline_lag_seconds')).toBe(0);
    expect(text).toMatch(/rc_http_request_duration_seconds_bucket\{.*route="\/api\/v1\/cases\/:id\/actions".*\}/);

    // A deadline passes while no worker runs: the lag shows it.
    await t.app.services.clock.advance(8 * 24 * 3600 * 1000);
    text = await scrape();
    expect(value(text, 'rc_deadline_lag_seconds')).toBe(24 * 3600);
    expect(value(text, 'rc_outbox_oldest_pending_age_seconds')).toBe(8 * 24 * 3600);
    await t.app.services.jobs.runDue();
    text = await scrape();
    expect(value(text, 'rc_deadline_lag_seconds')).toBe(0);
    expect(value(text, 'rc_outbox_rows{kind="remedy",status="pending"}')).toBeUndefined();
    expect(value(text, 'rc_remedy_failures')).toBe(0);
  });
});
