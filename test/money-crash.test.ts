/**
 * The crash window (SPEC §5, exactly once): the worker process is killed with
 * SIGKILL after Stripe made the refund but before the answer was recorded. The
 * restarted worker repeats the call with the same key, Stripe gives the first
 * refund back, and the case records one success.
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

it('records one refund when the worker dies between Stripe’s answer and the recording', { timeout: 90_000 }, async () => {
  const c = await w.openCase({ providerPaymentId: 'pi_crash_1', paidAt: new Date().toISOString() });
  const made = stripe.holdNext();
  const accepted = await w.act(w.tokens.merchant, c.id, { type: 'accept' });
  expect(accepted.status).toBe(200);

  const first = workers.start();
  await made; // Stripe has made the refund; its answer is held, so the worker cannot have recorded it.
  workers.kill(first.child, 'SIGKILL');
  await first.exited;
  stripe.release();
  const view = async () => (await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer })).body;
  const crashed = await view();
  expect(crashed.outcome.execution).toBe('pending');
  expect(crashed.timeline.filter((e: { type: string }) => e.type === 'refund_succeeded')).toHaveLength(0);
  expect(stripe.refunds).toHaveLength(1);

  // The dead worker's lease (60 s) must pass before another may claim the row.
  await t.app.services.clock.advance(2 * 60_000);
  const second = workers.start();
  const done = await waitFor('the refund to be recorded', async () => {
    const v = await view();
    return v.outcome.execution === 'pending' ? undefined : v;
  });
  workers.kill(second.child, 'SIGTERM');
  await second.exited;

  expect(done.outcome).toMatchObject({ kind: 'refund', execution: 'succeeded' });
  const succeeded = done.timeline.filter((e: { type: string }) => e.type === 'refund_succeeded');
  expect(succeeded).toHaveLength(1);
  expect(succeeded[0].data.refundId).toBe(stripe.refunds[0]?.id);
  expect(done.payment.refundedAmount).toBe(10000);
  // Two calls, one key, one refund: the second call got the first refund back.
  expect(stripe.calls.map((x) => x.headers['idempotency-key'])).toEqual([`rc-refund-${c.id}`, `rc-refund-${c.id}`]);
  expect(stripe.calls[1]?.status).toBe(200);
  expect(stripe.refunds).toHaveLength(1);
  expect(stripe.problems).toEqual([]);
});
