/**
 * SPEC §16 in the browser: the customer's context beside the case, claiming a case, and a
 * saved reply filled in from the case (axe clean). Uses the demo seed's serial disputer
 * (Finn, whose case at Lumen Studio Tess holds).
 */
import { expect, test } from '@playwright/test';
import { checkA11y, signIn } from './support';

test('staff see who the customer is, claim the case and answer with a saved reply', async ({ page }) => {
  await signIn(page, 'sam');
  await page.getByRole('link', { name: 'Review queue' }).click();
  const card = page.getByRole('link').filter({ hasText: 'Color Grading Course' });
  await expect(card).toContainText('Held by Tess Okafor');
  await card.click();

  await expect(page.getByRole('heading', { name: 'Held by Tess Okafor' })).toBeVisible();
  const context = page.getByRole('region', { name: 'Who is this customer?' });
  await expect(context).toContainText('4 cases in 90 days at 3 merchants, 1 chargeback after a denial');
  await expect(context).toContainText('Lumen Studio, last 90 days');
  await checkA11y(page, 'Case (staff, held by another, customer context)');

  // Claim: held by another, so release first; then claim it.
  await page.getByRole('button', { name: 'Release' }).click();
  await expect(page.getByRole('heading', { name: 'Nobody holds this case' })).toBeVisible();
  await page.getByRole('button', { name: 'Claim' }).click();
  await expect(page.getByRole('heading', { name: 'You hold this case' })).toBeVisible();
  await expect(page.getByText(/^You \(platform staff\) claimed the case/)).toBeVisible();

  // A saved reply fills the message with the case's values.
  await page.getByRole('button', { name: 'Message both sides' }).click();
  await page.getByLabel('Saved reply').selectOption({ label: 'Under review' });
  const message = page.getByLabel('Your message');
  await expect(message).toHaveValue(/^Hello Finn Walsh and Lumen Studio: the platform is reviewing this case about .*99\.00\./);
  await checkA11y(page, 'Case (staff, reply box with a saved reply)');
  await page.getByRole('button', { name: 'Send reply' }).click();
  await expect(page.getByRole('list').filter({ hasText: 'Hello Finn Walsh and Lumen Studio' }).first()).toBeVisible();

  // The management page.
  await page.getByRole('link', { name: 'Saved replies' }).click();
  await expect(page.getByRole('heading', { name: 'Saved replies', level: 1 })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Edit Under review' })).toBeVisible();
  await checkA11y(page, 'Saved replies');
});
