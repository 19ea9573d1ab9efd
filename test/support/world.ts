/**
 * A small marketplace made through the platform API, with a logged-in token
 * for each kind of caller the access rules distinguish, and `useWorld()`: the
 * one setup most test files share (fakes, app, marketplace, cleanup).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { AppParts } from '../../src/app.js';
import { FakePayPal, FakeStripe } from './fake-providers.js';
import { type Api, type TestApp, PLATFORM_KEY, T0, startApp } from './harness.js';
import { type TestSmtp, startSmtp } from './smtp.js';

export const DAY = 24 * 60 * 60 * 1000;

export interface World {
  api: Api;
  tokens: {
    customer: string;
    otherCustomer: string;
    merchant: string;
    otherMerchant: string;
    staff: string;
    staff2: string;
  };
  platform: string;
  /** Puts a fresh payment of the customer's and returns its id. */
  payment(over?: Partial<PaymentInput>): Promise<string>;
  /** Opens a case on a fresh payment and returns it. */
  openCase(over?: Partial<PaymentInput>): Promise<any>;
  act(token: string, caseId: string, body: Record<string, unknown>): Promise<{ status: number; body: any; headers: Headers }>;
  advance(duration: string): Promise<void>;
  /** The service's clock now, plus `days` (ISO string): for asserting deadlines. */
  inDays(days: number): Promise<string>;
}

export interface PaymentInput {
  customerId: string;
  merchantId: string;
  amount: number;
  currency: string;
  provider: string;
  providerPaymentId: string;
  status: 'succeeded' | 'refunded' | 'partially_refunded';
  refundedAmount?: number;
  productName: string;
  paidAt: string;
}

const PASSWORD = 'correct horse battery';

export async function makeWorld(api: Api): Promise<World> {
  const platform = PLATFORM_KEY;
  const put = async (p: string, body: unknown) => {
    const r = await api('PUT', p, { token: platform, body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
  };
  const users = [
    ['cust', 'Cora Customer', false, 'Europe/Paris'],
    ['cust2', 'Otto Other', false, 'UTC'],
    ['merch', 'Mia Merchant', false, 'America/New_York'],
    ['merch2', 'Nils Othermerchant', false, 'UTC'],
    ['staff1', 'Sara Staff', true, 'UTC'],
    ['staff2', 'Stan Staff', true, 'UTC'],
  ] as const;
  for (const [id, name, isStaff, timeZone] of users)
    await put(`/api/v1/platform/users/${id}`, { email: `${id}@test.example`, name, password: PASSWORD, isStaff, timeZone });
  await put('/api/v1/platform/merchants/shop', { name: 'Shop One', supportEmail: 'support@shop.example', memberIds: ['merch'] });
  await put('/api/v1/platform/merchants/shop2', { name: 'Shop Two', supportEmail: 'support@shop2.example', memberIds: ['merch2'] });
  const login = async (id: string) => {
    const r = await api('POST', '/api/v1/session', { body: { email: `${id}@test.example`, password: PASSWORD } });
    expect(r.status).toBe(200);
    return r.body.token as string;
  };
  const tokens = {
    customer: await login('cust'),
    otherCustomer: await login('cust2'),
    merchant: await login('merch'),
    otherMerchant: await login('merch2'),
    staff: await login('staff1'),
    staff2: await login('staff2'),
  };
  let n = 0;
  const payment = async (over: Partial<PaymentInput> = {}) => {
    const id = `pay_${++n}_${Math.random().toString(36).slice(2, 8)}`;
    await put(`/api/v1/platform/payments/${id}`, {
      customerId: 'cust',
      merchantId: 'shop',
      amount: 10000,
      currency: 'USD',
      provider: 'stripe',
      providerPaymentId: `pi_${id}`,
      status: 'succeeded',
      productName: 'Course',
      paidAt: new Date(T0 - DAY).toISOString(),
      ...over,
    });
    return id;
  };
  const world: World = {
    api,
    tokens,
    platform,
    payment,
    async openCase(over = {}) {
      const paymentId = await payment(over);
      const r = await api('POST', '/api/v1/cases', {
        token: tokens.customer,
        body: { paymentId, issueType: 'item_not_received', description: 'It never arrived in my library.' },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
      return r.body;
    },
    async act(token, caseId, body) {
      return api('POST', `/api/v1/cases/${caseId}/actions`, { token, body });
    },
    async inDays(days) {
      const r = await api('GET', '/api/v1/platform/dev/clock', { token: platform });
      return new Date(Date.parse(r.body.now) + days * DAY).toISOString();
    },
    async advance(duration) {
      const r = await api('POST', '/api/v1/platform/dev/clock', { token: platform, body: { advance: duration } });
      expect(r.status).toBe(200);
    },
  };
  return world;
}

/** What `useWorld` can start before the app; the app is configured to call each one started. */
export interface Fakes {
  /** FakeStripe, with STRIPE_SECRET_KEY and STRIPE_API_BASE pointing at it. */
  stripe: FakeStripe;
  /** FakePayPal, with its client, secret, API base and webhook id. */
  paypal: FakePayPal;
  /** The mail sink: a real SMTP server, as SMTP_URL. */
  smtp: TestSmtp;
}

type Env = Record<string, string>;

export interface WorldOptions {
  /** Settings on top of startApp's; a function when they name a fake (its address). */
  env?: Env | ((fakes: Fakes) => Env);
  /** Parts for createApp; a function when they are made as the app starts (a log file, a fake). */
  parts?: AppParts | ((fakes: Fakes) => AppParts);
  /** The wall clock as the app's base instead of the pinned T0 (for worker processes, signature tolerances). */
  realTime?: boolean;
  stripe?: boolean;
  paypal?: boolean;
  smtp?: boolean;
  /** `false`: the app alone, without makeWorld's people and merchants. */
  people?: boolean;
}

export interface UsedWorld extends Fakes {
  t: TestApp;
  w: World;
}

/**
 * Registers the hooks that start the fakes asked for, one app on a fresh database and its
 * marketplace before the file's tests, and close them after. The handles are usable once
 * the hooks have run (in hooks and tests); a fake not asked for throws when touched.
 */
export function useWorld(options: WorldOptions = {}): UsedWorld {
  const handles: Partial<UsedWorld> = {};
  const used: UsedWorld = {
    t: lazy(() => handles.t, 't'),
    w: lazy(() => handles.w, 'w'),
    stripe: lazy(() => handles.stripe, 'stripe'),
    paypal: lazy(() => handles.paypal, 'paypal'),
    smtp: lazy(() => handles.smtp, 'smtp'),
  };
  beforeAll(async () => {
    if (options.stripe) handles.stripe = await FakeStripe.start();
    if (options.paypal) handles.paypal = await FakePayPal.start();
    if (options.smtp) handles.smtp = await startSmtp();
    const { stripe, paypal, smtp } = handles;
    const env: Env = {
      ...(stripe && { STRIPE_SECRET_KEY: FakeStripe.SECRET_KEY, STRIPE_API_BASE: stripe.url }),
      ...(paypal && {
        PAYPAL_CLIENT_ID: FakePayPal.CLIENT_ID,
        PAYPAL_CLIENT_SECRET: FakePayPal.CLIENT_SECRET,
        PAYPAL_API_BASE: paypal.url,
        PAYPAL_WEBHOOK_ID: FakePayPal.WEBHOOK_ID,
      }),
      ...(smtp && { SMTP_URL: smtp.url }),
      ...(typeof options.env === 'function' ? options.env(used) : options.env),
    };
    const parts = typeof options.parts === 'function' ? options.parts(used) : options.parts;
    handles.t = await startApp(env, { ...(options.realTime && { baseNow: () => Date.now() }), ...parts });
    if (options.people !== false) handles.w = await makeWorld(handles.t.api);
  });
  afterAll(async () => {
    await handles.t?.close();
    await handles.stripe?.close();
    await handles.paypal?.close();
    await handles.smtp?.close();
  });
  return used;
}

/** Stands for the object `get()` gives once the hooks made it, so files can name it at top level. */
function lazy<T extends object>(get: () => T | undefined, name: string): T {
  const target = () => {
    const value = get();
    if (!value) throw new Error(`useWorld: ${name} is not there (not asked for, or used before beforeAll)`);
    return value;
  };
  return new Proxy({} as T, {
    get(_, key) {
      const value: unknown = Reflect.get(target(), key);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target()) : value;
    },
    set: (_, key, value) => Reflect.set(target(), key, value),
    has: (_, key) => Reflect.has(target(), key),
  });
}
