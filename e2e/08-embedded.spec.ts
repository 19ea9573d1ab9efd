/**
 * SPEC §14 in a real browser: the app inside a marketplace's page on another site. The
 * marketplace (a tiny server on http://localhost) frames a case of the app (its own
 * process on http://127.0.0.1, with FRAME_ANCESTORS, PLATFORM_LOGIN_URL and a brand). The
 * framed visit has no session, so the app sends it to the marketplace's sign-in, which
 * mints a login link with the platform key and `returnTo` the case; the link signs the
 * merchant in inside the frame (a partitioned, third-party cookie) and lands on the case,
 * where they reply.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, test } from '@playwright/test';
import { checkA11y } from './support';

const KEY = 'rc_dev_platform_key_do_not_use_in_production';

let market: http.Server;
let app: ChildProcess;
let dir: string;
let marketUrl: string;
let appUrl: string;
let caseId: string;
const signIns: string[] = [];

async function freePort(): Promise<number> {
  const s = http.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise((resolve) => s.close(resolve));
  return port;
}

async function platform(method: string, p: string, body?: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(appUrl + p, {
    method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await r.json()) as Record<string, unknown>;
  expect(r.status, `${method} ${p}: ${JSON.stringify(json)}`).toBeLessThan(300);
  return json;
}

test.beforeAll(async () => {
  // Two sites: `localhost` and `127.0.0.1` are different hosts, so the app's cookie is third-party in the frame.
  const marketPort = await freePort();
  marketUrl = `http://localhost:${marketPort}`;
  market = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', marketUrl);
    if (url.pathname === '/sign-in') {
      // The marketplace signs its user in (here: always Mia, the merchant) and sends her back through a login link.
      const returnTo = url.searchParams.get('return_to') ?? '/';
      signIns.push(returnTo);
      platform('POST', '/api/v1/platform/login-links', { userId: 'mia', returnTo }).then(
        (link) => res.writeHead(302, { location: link.url as string }).end(),
        () => res.writeHead(500).end(),
      );
      return;
    }
    if (url.pathname === '/logo.svg') {
      res.writeHead(200, { 'content-type': 'image/svg+xml' });
      res.end('<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32" fill="#0a7d5a"/></svg>');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><title>Market</title></head><body>
<main aria-label="Seller centre"><h1>Market seller centre</h1>
<iframe title="Disputes" src="${appUrl}/cases/${caseId}" style="width:1200px;height:760px;border:0"></iframe></main>
</body></html>`);
  });
  await new Promise<void>((resolve) => market.listen(marketPort, '127.0.0.1', resolve));

  const appPort = await freePort();
  appUrl = `http://127.0.0.1:${appPort}`;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rc-e2e-embedded-'));
  // Its own server: the shared one runs without these settings. The web app is already built by the shared server's start.
  app = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/main.ts', 'serve'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...process.env,
      NODE_ENV: 'development',
      HOST: '127.0.0.1',
      PORT: String(appPort),
      PUBLIC_URL: appUrl,
      DATA_DIR: dir,
      DATABASE_URL: `sqlite://${path.join(dir, 'rc.sqlite')}`,
      DEMO_SEED: '0',
      LOG_LEVEL: 'warn',
      FRAME_ANCESTORS: marketUrl,
      PLATFORM_LOGIN_URL: `${marketUrl}/sign-in`,
      BRAND_NAME: 'Market Help',
      // A light brand colour: links and buttons must be darkened to keep contrast (axe checks below).
      BRAND_COLOR: '#ffb703',
      BRAND_LOGO_URL: `http://localhost:${marketPort}/logo.svg`,
    },
  });
  let stderr = '';
  app.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  for (let i = 0; ; i++) {
    const ok = await fetch(`${appUrl}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (i > 300 || app.exitCode !== null) throw new Error(`the embedded app did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  await platform('PUT', '/api/v1/platform/users/ana', { email: 'ana@market.example', name: 'Ana Buyer' });
  await platform('PUT', '/api/v1/platform/users/mia', { email: 'mia@market.example', name: 'Mia Seller' });
  await platform('PUT', '/api/v1/platform/merchants/shop', {
    name: 'Mia’s Prints',
    supportEmail: 'help@prints.example',
    memberIds: ['mia'],
  });
  await platform('PUT', '/api/v1/platform/payments/pay_1', {
    customerId: 'ana',
    merchantId: 'shop',
    amount: 2500,
    currency: 'USD',
    provider: 'stripe',
    providerPaymentId: 'pi_1',
    status: 'succeeded',
    productName: 'Poster set',
    paidAt: new Date(Date.now() - 86_400_000).toISOString(),
  });
  const opened = await platform(
    'POST',
    '/api/v1/cases',
    { paymentId: 'pay_1', issueType: 'item_not_received', description: 'The posters never arrived.' },
    { 'rc-on-behalf-of': 'ana' },
  );
  caseId = opened.id as string;
});

test.afterAll(async () => {
  await new Promise((resolve) => market?.close(resolve));
  if (app && app.exitCode === null) {
    const exited = new Promise((resolve) => app.once('exit', resolve));
    app.kill('SIGTERM');
    await exited;
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the app signs in inside the marketplace’s frame through a login link, lands on the case, and the merchant replies', async ({
  page,
}) => {
  await page.goto(marketUrl);
  await expect(page.getByRole('heading', { name: 'Market seller centre' })).toBeVisible();
  const frame = page.frameLocator('iframe[title="Disputes"]');

  // The framed visit had no session: the marketplace was asked to sign Mia in and return her to the case.
  await expect(frame.getByRole('heading', { name: 'Poster set' })).toBeVisible();
  expect(signIns).toEqual([`/cases/${caseId}`]);
  await expect(frame.locator('.who-name')).toHaveText('Signed in as Mia Seller');
  // The brand: its name and logo in the header.
  await expect(frame.getByRole('link', { name: 'Market Help home' })).toBeVisible();
  await expect(frame.locator('header img.brand-logo')).toHaveAttribute('src', `${marketUrl}/logo.svg`);

  // The browser kept the third-party cookie (Secure works on loopback http).
  const cookies = await page.context().cookies(appUrl);
  // Partitioned under the marketplace's site: the browser keeps it for this embedding only.
  expect(cookies.find((c) => c.name === 'rc_session')).toMatchObject({
    sameSite: 'None',
    secure: true,
    httpOnly: true,
    partitionKey: 'http://localhost',
  });

  await frame.getByRole('button', { name: 'Reply', exact: true }).click();
  await frame.getByLabel('Your message').fill('Sorry! A new set ships today.');
  await frame.getByRole('button', { name: 'Send reply' }).click();
  await expect(frame.getByText('Sorry! A new set ships today.')).toBeVisible();
  await checkA11y(page, 'embedded case, branded');
  // A reload of the marketplace page keeps the session: no second trip to the sign-in.
  await page.reload();
  await expect(frame.getByText('Sorry! A new set ships today.')).toBeVisible();
  expect(signIns).toHaveLength(1);

  // Signed out, the app offers the marketplace's sign-in, never a password form.
  await frame.getByRole('button', { name: 'Sign out' }).click();
  await expect(frame.getByText('You are signed out.')).toBeVisible();
  await expect(frame.getByLabel('Password')).toHaveCount(0);
  await frame.getByRole('link', { name: 'Sign in again' }).click();
  await expect(frame.getByRole('heading', { name: 'Cases inbox' })).toBeVisible();
  expect(signIns).toEqual([`/cases/${caseId}`, '/']);
});
