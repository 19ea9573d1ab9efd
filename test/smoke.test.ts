import { describe, expect, it } from 'vitest';
import { useWorld } from './support/world.js';

const { t, w } = useWorld();

describe('the service', () => {
  it('is live and ready', async () => {
    expect((await t.api('GET', '/healthz')).body).toEqual({ ok: true });
    expect((await t.api('GET', '/readyz')).body).toEqual({ ok: true });
  });

  it('lets a customer open a case that the merchant then sees', async () => {
    const c = await w.openCase();
    expect(c.status).toBe('merchant_response_needed');
    expect(c.turn).toBe('merchant');
    expect(c.availableActions).toEqual(['respond', 'withdraw']);
    const seen = await t.api('GET', `/api/v1/cases/${c.id}`, { token: w.tokens.merchant });
    expect(seen.status).toBe(200);
    expect(seen.body.availableActions).toEqual(['respond', 'accept', 'deny', 'request_more_info', 'offer_partial_refund']);
  });
});
