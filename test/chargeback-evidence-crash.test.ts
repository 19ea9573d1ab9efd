/**
 * The chargeback answer's crash window (SPEC §13, exactly once): the worker process is
 * killed with SIGKILL after Stripe took the staged evidence but before the answer was
 * recorded. The next worker repeats both calls with the same keys; Stripe keeps one file
 * and one staging, and the dispute records the staging once.
 */
import Stripe from 'stripe';
import { afterAll, expect, it } from 'vitest';
import { FakeStripe } from './support/fake-providers.js';
import { DAY, useWorld } from './support/world.js';
import { waitFor, workerProcesses } from './support/workers.js';

const WEBHOOK_SECRET = 'whsec_evidence_crash';
// Real time, as the worker processes have: both read the movable offset from the database.
const { t, w, stripe } = useWorld({
  stripe: true,
  realTime: true,
  env: ({ stripe }) => ({ STRIPE_FILES_BASE: stripe.url, STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET }),
});
const workers = workerProcesses(
  () => t,
  () => ({ STRIPE_SECRET_KEY: FakeStripe.SECRET_KEY, STRIPE_API_BASE: stripe.url, STRIPE_FILES_BASE: stripe.url }),
);
afterAll(() => workers.killAll());

it('stages the answer once when the worker dies between Stripe’s answer and the recording', { timeout: 90_000 }, async () => {
  const serviceNow = async () => Date.parse((await t.api('GET', '/api/v1/platform/dev/clock', { token: w.platform })).body.now);
  const c = await w.openCase({ providerPaymentId: 'pi_evidence_crash', paidAt: new Date((await serviceNow()) - DAY).toISOString() });
  expect((await w.act(w.tokens.merchant, c.id, { type: 'deny', message: 'Delivered and used.' })).status).toBe(200);
  const payload = JSON.stringify({
    id: 'evt_evidence_crash',
    object: 'event',
    type: 'charge.dispute.created',
    created: Math.floor((await serviceNow()) / 1000),
    data: { object: { id: 'dp_evidence_crash', object: 'dispute', payment_intent: 'pi_evidence_crash', status: 'needs_response' } },
  });
  const header = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: WEBHOOK_SECRET,
    timestamp: Math.floor(Date.now() / 1000),
  });
  const event = await t.api('POST', '/api/v1/providers/stripe/webhook', {
    raw: payload,
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
  });
  expect(event.status).toBe(200);
  const dispute = async () => (await t.api('GET', `/api/v1/cases/${c.id}/disputes`, { token: w.tokens.merchant })).body.data[0];

  const staged = stripe.holdNextEvidence();
  const first = workers.start();
  await staged; // Stripe has the staged evidence; its answer is held, so the worker cannot have recorded it.
  workers.kill(first.child, 'SIGKILL');
  await first.exited;
  stripe.release();
  expect((await dispute()).evidence).toBeNull();
  expect(stripe.files).toHaveLength(1);

  // The dead worker's lease (60 s) must pass before another may claim the row.
  await t.app.services.clock.advance(2 * 60_000);
  const second = workers.start();
  const done = await waitFor('the staging to be recorded', async () => ((await dispute()).evidence ? dispute() : undefined));
  workers.kill(second.child, 'SIGTERM');
  await second.exited;

  expect(done.evidence).toMatchObject({ staged: { fields: { customer_communication: stripe.files[0]!.id } }, submittedAt: null });
  // Two workers, the same keys: one file, one staging at Stripe.
  expect(stripe.files).toHaveLength(1);
  expect(stripe.evidenceCalls).toBe(4);
  expect(stripe.disputeUpdates).toEqual([
    expect.objectContaining({ disputeId: 'dp_evidence_crash', submit: false, key: `rc-evidence-stage-${done.id}` }),
  ]);
  expect(stripe.problems).toEqual([]);
});
