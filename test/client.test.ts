/**
 * The typed client (clients/typescript, generated from the OpenAPI document) against the
 * real server: a marketplace's sync, a case opened with a file, an action, webhook
 * verification with the code docs/integration.md shows, and the events API.
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ResolutionCenter, personClient, platformClient, uploadFile, verifyWebhook } from '../clients/typescript/index.js';
import { TEXT } from './support/files.js';
import { PLATFORM_KEY, T0 } from './support/harness.js';
import { useWorld } from './support/world.js';

const SECRET = 'whsec_client_0123456789';
let rc: ResolutionCenter;
let receiver: http.Server;
let hookUrl: string;
const received: { body: string; signature: string }[] = [];

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(req.headers['rc-signature']) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
});
afterAll(() => new Promise<void>((r) => receiver.close(() => r())));
// The provider routes on, as scripts/openapi.ts has them, so the served document is the committed one.
const { t } = useWorld({
  people: false,
  env: {
    STRIPE_WEBHOOK_SECRET: 'whsec_document',
    PAYPAL_WEBHOOK_ID: 'WH-DOCUMENT',
    PAYPAL_CLIENT_ID: 'document',
    PAYPAL_CLIENT_SECRET: 'document',
  },
});
beforeAll(() => {
  rc = platformClient({ baseUrl: t.url, apiKey: PLATFORM_KEY });
});

describe('the typed client', () => {
  it('is generated from the document the server serves, and the docs show the verification code it runs', async () => {
    const served = (await t.api('GET', '/api/v1/openapi.json')).body;
    const committed = JSON.parse(fs.readFileSync('clients/typescript/openapi.json', 'utf8'));
    expect({ ...served, servers: null }).toEqual({ ...committed, servers: null });
    const code = fs.readFileSync('clients/typescript/webhooks.ts', 'utf8').trim();
    expect(fs.readFileSync('docs/integration.md', 'utf8')).toContain(code);
  });

  it('syncs, opens a case with a file, acts, verifies the webhook and reads the events', async () => {
    const endpoint = await rc.PUT('/api/v1/platform/webhook-endpoints/{id}', {
      params: { path: { id: 'wh_client' } },
      body: { url: hookUrl, secret: SECRET, events: ['case.created', 'case.updated'] },
    });
    expect(endpoint.response.status).toBe(200);

    // 1. Sync the people, the merchant and a payment.
    for (const [id, name] of [
      ['c_ana', 'Ana Buyer'],
      ['m_bo', 'Bo Seller'],
    ] as const) {
      const r = await rc.PUT('/api/v1/platform/users/{id}', { params: { path: { id } }, body: { email: `${id}@test.example`, name } });
      expect(r.data?.id).toBe(id);
    }
    await rc.PUT('/api/v1/platform/merchants/{id}', {
      params: { path: { id: 'shop_bo' } },
      body: { name: 'Bo’s Brushes', supportEmail: 'help@bo.example', memberIds: ['m_bo'] },
    });
    const payment = await rc.PUT('/api/v1/platform/payments/{id}', {
      params: { path: { id: 'pay_client_1' } },
      body: {
        customerId: 'c_ana',
        merchantId: 'shop_bo',
        amount: 4900,
        currency: 'EUR',
        provider: 'stripe',
        providerPaymentId: 'pi_client_1',
        status: 'succeeded',
        productName: 'Brush pack',
        paidAt: new Date(T0 - 86_400_000).toISOString(),
      },
    });
    expect(payment.data).toEqual({ id: 'pay_client_1', created: true, caseId: null });

    // 2. Open a case with a file, as the customer.
    const ana = personClient({ baseUrl: t.url, apiKey: PLATFORM_KEY, userId: 'c_ana' });
    const file = await uploadFile(ana, new Blob([TEXT], { type: 'text/plain' }), 'receipt.txt');
    expect(file.response.status).toBe(201);
    if (!file.data) throw new Error('no upload');
    const opened = await ana.POST('/api/v1/cases', {
      body: {
        paymentId: 'pay_client_1',
        issueType: 'significantly_not_as_described',
        description: 'Half the brushes are missing.',
        attachmentIds: [file.data.id],
      },
    });
    expect(opened.response.status).toBe(201);
    if (!opened.data) throw new Error('no case');
    expect(opened.data.timeline?.[0]?.attachments.map((a) => a.filename)).toEqual(['receipt.txt']);

    // 3. An action, as the merchant. A body its type does not take does not compile.
    const bo = personClient({ baseUrl: t.url, apiKey: PLATFORM_KEY, userId: 'm_bo' });
    const offer = await bo.POST('/api/v1/cases/{id}/actions', {
      params: { path: { id: opened.data.id } },
      body: { type: 'offer_partial_refund', amount: 2000, message: 'Here is 20 EUR back for the missing ones.' },
    });
    expect(offer.data?.offer).toEqual({ amount: 2000, currency: 'EUR' });
    expect(offer.data?.timeline?.at(-1)?.actor.via).toBe('platform');
    if (Date.now() < 0) {
      // @ts-expect-error a denial needs a message
      await bo.POST('/api/v1/cases/{id}/actions', { params: { path: { id: opened.data.id } }, body: { type: 'deny' } });
    }
    const refused = await bo.POST('/api/v1/cases/{id}/actions', {
      params: { path: { id: opened.data.id } },
      body: { type: 'deny' } as never,
    });
    expect(refused.error?.code).toBe('validation_failed');

    // 4. Webhooks: both deliveries verify with the documented code; a changed body does not.
    await rc.POST('/api/v1/platform/dev/clock', { body: { advance: 'PT0S' } });
    const bodies = received.map((r) => JSON.parse(r.body));
    expect(bodies.map((b) => b.type)).toEqual(['case.created', 'case.updated']);
    for (const r of received) {
      expect(verifyWebhook(r.body, r.signature, SECRET, 300, T0)).toBe(true);
      expect(verifyWebhook(r.body.replace('EUR', 'USD'), r.signature, SECRET, 300, T0)).toBe(false);
      expect(verifyWebhook(r.body, r.signature, SECRET, 300, T0 + 600_000)).toBe(false);
    }

    // 5. The events API: the same events, in order; after the first, the second.
    const events = await rc.GET('/api/v1/platform/events', { params: { query: { limit: 10 } } });
    expect(events.data?.data.map((e) => e.id)).toEqual(bodies.map((b) => b.id));
    const after = await rc.GET('/api/v1/platform/events', { params: { query: { after: bodies[0].id } } });
    expect(after.data?.data.map((e) => [e.type, 'previous' in e.data ? e.data.previous?.status : null])).toEqual([
      ['case.updated', 'merchant_response_needed'],
    ]);
  });
});
