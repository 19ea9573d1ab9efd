/** Without provider credentials (the demo, most tests), refunds are simulated and say so. */
import { expect, it } from 'vitest';
import { useWorld } from './support/world.js';

// A PayPal client id without its secret is not a credential: PayPal stays simulated too.
const { t, w } = useWorld({ env: { PAYPAL_CLIENT_ID: 'id-only', PAYPAL_API_BASE: 'http://127.0.0.1:9' } });

it.each(['stripe', 'paypal'])('records a simulated %s refund on the timeline and the payment', async (provider) => {
  const c = await w.openCase({ provider, providerPaymentId: provider === 'stripe' ? 'pi_sim' : 'CAPTURE-SIM' });
  expect((await w.act(w.tokens.merchant, c.id, { type: 'accept' })).status).toBe(200);
  await w.advance('PT1S');
  const after = (await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.customer })).body;
  expect(after.outcome).toMatchObject({ kind: 'refund', execution: 'succeeded' });
  expect(after.payment.refundedAmount).toBe(10000);
  const done = after.timeline.filter((e: { type: string }) => e.type === 'refund_succeeded');
  expect(done).toHaveLength(1);
  expect(done[0].data).toMatchObject({ provider, simulated: true });
  expect(done[0].data.refundId).toMatch(/^sim_re_/);
  expect(done[0].message).toMatch(/simulated/i);
});
