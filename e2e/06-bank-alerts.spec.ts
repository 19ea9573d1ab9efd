/** SPEC §12 in the browser: the bank's alerts in the merchant's inbox, the banner on a case, the auto-refund rules. */
import { expect, test } from '@playwright/test';
import { checkA11y, signIn } from './support';

test('a merchant refunds from a bank alert without a case, sees the banner on a case and the rules', async ({ page }) => {
  await signIn(page, 'dana');
  await page.goto('/inbox');
  const alerts = page.getByRole('region', { name: /Bank alerts/ });
  await expect(alerts).toBeVisible();
  await expect(alerts).toContainText('Early fraud warning on payment pay_a7');
  await expect(alerts).toContainText('$29.00');
  await checkA11y(page, 'Inbox with a bank alert');
  await alerts.getByRole('button', { name: 'Refund payment pay_a7' }).click();
  await expect(page.getByText('Refunded: the customer gets what was left of the payment')).toBeVisible();
  await expect(page.getByRole('region', { name: /Bank alerts/ })).toHaveCount(0);

  // On a case: the bank is asking about Bob's font purchase; the refund is one click away.
  await page.getByRole('button', { name: /^All/ }).click();
  await page.getByRole('link', { name: 'Font Family License' }).click();
  const banner = page.getByRole('region', { name: /The customer’s bank is asking about this payment/ });
  await expect(banner).toBeVisible();
  await expect(banner.getByRole('button', { name: 'Refund $59.00 now' })).toBeVisible();
  await expect(banner.locator('time')).toHaveCount(1);
  await expect(page.getByText(/noted that the customer’s bank is asking about this payment/)).toBeVisible();
  await checkA11y(page, 'Case with a bank inquiry (merchant)');

  await page.getByRole('link', { name: 'Auto-refund rules' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Auto-refund rules' })).toBeVisible();
  await expect(page.getByRole('group', { name: 'Card payments (Stripe)' }).getByLabel('Below (GBP)')).toHaveValue('10');
  await page.getByRole('group', { name: 'PayPal payments' }).getByLabel('Below (EUR)').fill('5.00');
  await page.getByRole('button', { name: 'Save rules' }).click();
  await expect(page.getByText('Saved. The rules apply to new cases')).toBeVisible();
  await checkA11y(page, 'Auto-refund rules');
});
