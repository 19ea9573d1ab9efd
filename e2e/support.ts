/** Shared steps for the browser specs: signing in, accessibility checks, screenshots, evidence files. */
import fs from 'node:fs';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type APIRequestContext, type Browser, type Page, expect, test } from '@playwright/test';

export const USERS = {
  alice: 'alice@example.com',
  bob: 'bob@example.com',
  dana: 'dana@pixelforge.example',
  eli: 'eli@beatcraft.example',
  sam: 'sam@platform.example',
  tess: 'tess@platform.example',
} as const;

/** Signs in through the sign-in page's one-click demo list. */
export async function signIn(page: Page, who: keyof typeof USERS) {
  await page.context().clearCookies();
  await page.goto('/login');
  await page.getByRole('button', { name: new RegExp(`^Sign in as .*${who}`, 'i') }).click();
  await expect(page.getByRole('button', { name: 'Sign out' })).toBeVisible();
}

export async function newUser(browser: Browser, who: keyof typeof USERS): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, who);
  return page;
}

export const AXE_LOG = path.join('playwright-report', 'axe.jsonl');

/** No serious or critical axe-core violation on the page as it is now; every result is logged for the report. */
export async function checkA11y(page: Page, name: string) {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  fs.mkdirSync(path.dirname(AXE_LOG), { recursive: true });
  fs.appendFileSync(
    AXE_LOG,
    JSON.stringify({
      page: name,
      url: new URL(page.url()).pathname,
      passes: results.passes.length,
      violations: results.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })),
    }) + '\n',
  );
  expect(
    bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    `axe-core on ${name}`,
  ).toEqual([]);
}

/** The committed screenshots change only through `npm run screenshots`; a test run draws them under test-results/. */
const SCREENSHOTS_DIR = process.env.E2E_SCREENSHOTS === '1' ? 'docs/screenshots' : 'test-results/screenshots';

export async function screenshot(page: Page, name: string) {
  fs.mkdirSync(SCREENSHOTS_DIR, { recursive: true });
  // From the top, so the sticky header is drawn where it belongs in a full-page image.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: `${SCREENSHOTS_DIR}/${name}.png`, fullPage: true, animations: 'disabled', caret: 'hide' });
}

/** A real PNG drawn in the browser: a receipt-like image to attach as evidence. */
export async function receiptPng(page: Page): Promise<Buffer> {
  const b64 = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 480;
    c.height = 320;
    const g = c.getContext('2d') as CanvasRenderingContext2D;
    g.fillStyle = '#ffffff';
    g.fillRect(0, 0, 480, 320);
    g.fillStyle = '#3a45d6';
    g.fillRect(0, 0, 480, 56);
    g.fillStyle = '#ffffff';
    g.font = 'bold 22px sans-serif';
    g.fillText('Order receipt', 20, 36);
    g.fillStyle = '#141a24';
    g.font = '18px sans-serif';
    ['Lightroom Preset Pack', 'Presets promised: 120', 'Presets delivered: 35', 'Total: $49.00'].forEach((t, i) =>
      g.fillText(t, 20, 100 + i * 40),
    );
    return c.toDataURL('image/png').split(',')[1] as string;
  });
  return Buffer.from(b64, 'base64');
}

/** Whether the evidence uploads endpoint is on this server (it lands from another branch). */
export async function uploadsAvailable(page: Page): Promise<boolean> {
  const r = await page.request.post('/api/v1/uploads', { headers: { origin: new URL(page.url()).origin }, multipart: {} });
  return r.status() !== 404 || !(await r.text()).includes('No route');
}

export function note(description: string) {
  test.info().annotations.push({ type: 'note', description });
}

const CONTROL = /^- (button|link|textbox|searchbox|checkbox|radio|combobox|listbox|slider|spinbutton|switch|tab|menuitem)\b/;

/**
 * The accessibility tree of the page's `main` (Playwright's role/name snapshot), checked the
 * way a screen-reader user meets it: every control has a name, and no control is announced
 * twice (the same role and name on two controls). Returns the tree for further assertions.
 */
export async function ariaTree(page: Page, name: string): Promise<string> {
  const tree = await page.locator('main').ariaSnapshot();
  const controls = tree
    .split('\n')
    .map((l) => l.trim().replace(/:$/, ''))
    .filter((l) => CONTROL.test(l));
  expect(
    controls.filter((l) => !/^- \w+ "/.test(l)),
    `unnamed controls on ${name}`,
  ).toEqual([]);
  const names = controls.map((l) => /^- \w+ "(?:[^"\\]|\\.)*"/.exec(l)?.[0] ?? l);
  expect(
    names.filter((n, i) => names.indexOf(n) !== i),
    `controls announced twice on ${name}`,
  ).toEqual([]);
  return tree;
}

/** A session token for the API (Bearer: no cookie, so no CSRF origin needed), from a request context without cookies. */
export async function apiToken(request: APIRequestContext, who: keyof typeof USERS): Promise<string> {
  // The context keeps the session cookie of an earlier sign-in, so this POST is checked for its origin.
  const origin = `http://127.0.0.1:${process.env.RC_E2E_PORT}`;
  const r = await request.post('/api/v1/session', { headers: { origin }, data: { email: USERS[who], password: 'demo-password' } });
  expect(r.status()).toBe(200);
  return ((await r.json()) as { token: string }).token;
}
