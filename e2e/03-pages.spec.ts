/** Every page, as the person who uses it: no serious or critical axe-core violation, a screenshot, and usable at 375 px. */
import { type Page, expect, test } from '@playwright/test';
import { ariaTree, checkA11y, screenshot, signIn } from './support';

async function visit(page: Page, path: string, heading: string | RegExp, name: string, shot?: string) {
  await page.goto(path);
  await expect(page.getByRole('heading', { level: 1, name: heading })).toBeVisible();
  await expect(page.getByRole('status').filter({ hasText: 'Loading' })).toHaveCount(0);
  await checkA11y(page, name);
  if (shot) await screenshot(page, shot);
}

test('sign-in page lists the demo users', async ({ page }) => {
  await page.context().clearCookies();
  await page.goto('/login');
  await expect(page.getByRole('button', { name: /Sign in as Alice Martin, customer/ })).toBeVisible();
  await checkA11y(page, 'Sign in');
  await screenshot(page, 'sign-in');
});

test('customer pages', async ({ page }) => {
  await signIn(page, 'bob');
  await visit(page, '/cases', 'My cases', 'My cases', 'my-cases');
  await visit(page, '/credits', 'Credits', 'Credits');
  await page.getByRole('link', { name: 'My cases' }).click();
  await page.getByRole('link', { name: /3D Asset Pack/ }).click();
  await expect(page.getByText('Decided. Either side may appeal')).toBeVisible();
  // Decided, not final: the badge and the heading say what is decided and when the money moves.
  const pending = /^Refund of \$79\.00 decided — paid on \w{3} \d{1,2} unless appealed$/;
  await expect(page.getByRole('heading', { level: 2, name: pending })).toBeVisible();
  await expect(page.locator('.case-header .pill')).toHaveText(pending);
  await expect(
    page.getByText(/Full refund of \$79\.00 to the customer, paid by the merchant \(paid when the decision becomes final\)/),
  ).toBeVisible();
  // Every time names its zone (Bob is in New York): the timeline's as much as the deadlines'.
  for (const t of await page.locator('main time').allTextContents()) expect(t).toMatch(/ E[SD]T$/);
  await ariaTree(page, 'Case (customer, decided)');
  await checkA11y(page, 'Case (customer, decided)');
  await screenshot(page, 'case-customer');
  await page.goto('/orders/pay_b1/open');
  await expect(page.getByRole('alert').or(page.getByRole('status')).first()).toBeVisible();
});

test('merchant pages', async ({ page }) => {
  await signIn(page, 'dana');
  await visit(page, '/inbox', 'Cases inbox', 'Cases inbox');
  await page.getByRole('button', { name: /^All/ }).click();
  await expect(page.getByRole('row')).not.toHaveCount(1);
  // The deadline column shows the date, time and zone, not only the time left (no tooltip needed).
  const due = page.getByRole('row').nth(1).getByRole('cell').nth(2);
  await expect(due).toContainText(/\w{3} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M GMT\+9/);
  await expect(due).toContainText(/left|Overdue/);
  await expect(due.locator('[title]')).toHaveCount(0);
  await screenshot(page, 'inbox');
  await visit(page, '/insights', 'Insights', 'Insights', 'insights');
  await expect(page.getByText('Median first response')).toBeVisible();
  // The seeded offer case, as the merchant sees it.
  await page.goto('/inbox');
  await page.getByRole('button', { name: /^All/ }).click();
  await page.getByRole('link', { name: 'UI Kit Figma License' }).click();
  await expect(page.getByText(/Open offer/)).toBeVisible();
  await checkA11y(page, 'Case (merchant, offer open)');
});

test('staff pages and demo tools', async ({ page }) => {
  await signIn(page, 'tess');
  await visit(page, '/queue', 'Review queue', 'Review queue');
  await visit(page, '/dev/mailbox', 'Mailbox', 'Mailbox');
  await visit(page, '/dev/time-machine', 'Time machine', 'Time machine', 'time-machine');
  await page.goto('/queue');
  await page.getByRole('link', { name: /Mastering Workshop/ }).click();
  await page.getByRole('button', { name: 'Decide' }).click();
  await page.getByText('Platform credit', { exact: true }).click();
  await expect(page.getByLabel(/^Amount in USD/)).toBeVisible();
  await checkA11y(page, 'Case (staff, decide form)');
  await screenshot(page, 'case-staff-decide');
});

test('at 375 px wide: the menu, the orders and a case stay usable', async ({ page }) => {
  await page.setViewportSize({ width: 375, height: 812 });
  await signIn(page, 'alice');
  await page.getByRole('button', { name: 'Menu' }).click();
  await page.getByRole('link', { name: 'My orders' }).click();
  await expect(page.getByRole('heading', { name: 'My orders', level: 1 })).toBeVisible();
  // Who is signed in stays visible on a phone.
  await expect(page.getByRole('banner').getByText('Alice Martin')).toBeVisible();
  await expect(page.getByRole('banner')).toContainText('Signed in as Alice Martin');
  await checkA11y(page, 'My orders (375 px)');
  await screenshot(page, 'orders-375');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(375);
  await page.goto('/cases');
  await page.getByRole('link', { name: /UI Kit Figma License/ }).click();
  await expect(page.getByRole('button', { name: /Accept .*40\.00/ })).toBeVisible();
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  await checkA11y(page, 'Case (375 px)');
  await screenshot(page, 'case-375');
});

test('keyboard only: sign in and open a case page without a mouse', async ({ page }) => {
  await page.context().clearCookies();
  await page.goto('/login');
  await expect(page.getByRole('heading', { level: 1 })).toBeFocused();
  await page.keyboard.press('Tab');
  await expect(page.getByLabel('Email')).toBeFocused();
  await page.keyboard.type('carol@example.com');
  await page.keyboard.press('Tab');
  await page.keyboard.type('demo-password');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { name: 'My orders', level: 1 })).toBeFocused();
  // Focus moved to the page's heading: the next Tab lands in the content, not back in the menu.
  await expect(page.getByRole('link', { name: 'View the case' }).first()).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.locator('main a:focus')).toHaveText('View the case');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Brush Collection' })).toBeFocused();
});
