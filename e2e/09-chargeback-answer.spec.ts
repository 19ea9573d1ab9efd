/**
 * A chargeback's answer (SPEC §13): the demo's PayPal chargeback on Carol's case was staged
 * from the case; the merchant reads it on the case page, edits the summary and sends it.
 */
import { expect, test } from '@playwright/test';
import { apiToken, checkA11y, screenshot, signIn } from './support';

test('the merchant reviews the staged answer to a chargeback and sends it to the bank', async ({ page, request }) => {
  const eli = await apiToken(request, 'eli');
  const list = await request.get('/api/v1/cases?limit=100', { headers: { authorization: `Bearer ${eli}` } });
  const cases = ((await list.json()) as { data: { id: string; payment: { productName: string } }[] }).data;
  const c = cases.find((x) => x.payment.productName === 'Vocal Chops Pack');
  expect(c, 'the demo chargeback case').toBeDefined();

  await signIn(page, 'eli');
  await page.goto(`/cases/${c!.id}`);
  const answer = page.getByRole('region', { name: 'Answer to the bank’s chargeback' });
  await expect(answer).toBeVisible();
  await expect(answer.getByText(/The bank must have it by/)).toBeVisible();
  const summary = answer.getByLabel('Summary of the case');
  await expect(summary).toHaveValue(/I do not recognise this purchase\./);
  await expect(answer.getByLabel('Why no refund was given')).toHaveValue(/bought from your account/);
  await expect(answer.getByLabel('Activity record')).toHaveValue(/download from 198\.51\.100\.23/);
  await checkA11y(page, 'chargeback answer (merchant)');
  await screenshot(page, 'chargeback-answer');

  await summary.fill('Carol bought and downloaded the pack from her own account; see the activity record and the case file.');
  await answer.getByRole('button', { name: 'Send to the bank' }).click();
  await expect(answer.getByText(/Sent to the bank on/)).toBeVisible({ timeout: 20_000 });
  await expect(answer.getByRole('button', { name: 'Send to the bank' })).toHaveCount(0);
  await expect(summary).toHaveJSProperty('readOnly', true);
  await checkA11y(page, 'chargeback answer sent');
});
