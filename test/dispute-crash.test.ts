/**
 * The crash window of a refund from a bank alert (SPEC §12, exactly once): the worker is
 * killed with SIGKILL after Stripe made the refund but before it was recorded. The restarted
 * worker repeats the call with the key derived from the dispute, Stripe gives the first
 * refund back, and the payment counts the refund once.
 */
import { afterAll, expect, it } from 'vitest';
import { FakeStripe } from './support/fake-providers.js';
import { useWorld } from './support/world.js';
import { waitFor, workerProcesses } from './support/workers.js';

// Real time, as the worker processes have: both read the movable offset from the database.
const { t, w, stripe } = useWorld({ stripe: true, realTime: true });
const workers = workerProcesses(
  () => t,
  () => ({ STRIPE_SECRET_KEY: FakeStripe.SECRET_KEY, STRIPE_API_BASE: stripe.url }),
);
afterAll(() => workers.killAll());

it('records one refund from an alert when the worker dies between Stripe’s answer and the recording', { timeout: 90_000 }, async () => {
  const paymentId = await w.payment({ providerPaymentId: 'pi_alert_crash', paidAt: new Date().toISOString() });
  const alert = await t.api('PUT', '/api/v1/platform/disputes/verifi-crash-1', {
    token: w.platform,
    body: { paymentId, stage: 'inquiry', network: 'verifi', alertKind: 'cdrn' },
  });
  expect(alert.status).toBe(200);
  const made = stripe.holdNext();
  const refunded = await t.api('POST', `/api/v1/disputes/${alert.body.id}/actions`, { token: w.tokens.merchant, body: { type: 'refund' } });
  expect(refunded.status).toBe(200);

  const first = workers.start();
  await made; // Stripe has made the refund; its answer is held, so the worker cannot have recorded it.
  workers.kill(first.child, 'SIGKILL');
  await first.exited;
  stripe.release();
  const dispute = async () => (await t.api('GET', `/api/v1/disputes/${alert.body.id}`, { token: w.tokens.merchant })).body;
  const payment = async () => (await t.api('GET', `/api/v1/platform/payments/${paymentId}`, { token: w.platform })).body;
  expect((await dispute()).refund).toMatchObject({ state: 'pending', amount: 10000 });
  expect((await payment()).refundedAmount).toBe(0);
  expect(stripe.refunds).toHaveLength(1);

  // The dead worker's lease (60 s) must pass before another may claim the row.
  await t.app.services.clock.advance(2 * 60_000);
  const second = workers.start();
  const done = await waitFor('the refund to be recorded', async () => {
    const d = await dispute();
    return d.refund.state === 'pending' ? undefined : d;
  });
  workers.kill(second.child, 'SIGTERM');
  await second.exited;

  expect(done).toMatchObject({ status: 'refunded', refund: { state: 'succeeded', amount: 10000, refundId: stripe.refunds[0]?.id } });
  expect(await payment()).toMatchObject({ refundedAmount: 10000, remaining: 0 });
  const key = `rc-dispute-refund-${alert.body.id}`;
  expect(stripe.calls.map((x) => x.headers['idempotency-key'])).toEqual([key, key]);
  expect(stripe.calls[1]?.status).toBe(200);
  expect(stripe.refunds).toHaveLength(1);
  expect(stripe.problems).toEqual([]);
});
