/** The time machine: a merchant who stays silent for 7 days sees the case go to the platform. Runs last: it moves the clock for everyone. */
import { expect, test } from '@playwright/test';
import { checkA11y, signIn } from './support';

test('moving the clock 7 days escalates a silent case', async ({ page }) => {
  await signIn(page, 'alice');
  await page.goto('/cases');
  await page.getByRole('link', { name: /Mixing Masterclass/ }).click();
  await expect(page.getByRole('heading', { name: 'Waiting for the merchant' })).toBeVisible();
  const caseUrl = page.url();

  await page.getByRole('link', { name: 'Time machine' }).click();
  await page.getByRole('button', { name: '+ 7 days and 1 hour' }).click();
  await expect(page.getByText(/Moved 7 days and 1 hour ahead/)).toBeVisible();
  await checkA11y(page, 'Time machine (after a move)');

  await page.goto(caseUrl);
  await expect(page.getByRole('heading', { name: 'Under review by the platform' })).toBeVisible();
  await expect(page.getByText(/sent the case to the platform: the merchant did not answer in time/)).toBeVisible();
});
