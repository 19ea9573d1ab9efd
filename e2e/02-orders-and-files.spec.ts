/** What a customer sees before opening a case: why a payment is not eligible, and what is wrong with a file. */
import { expect, test } from '@playwright/test';
import { checkA11y, note, screenshot, signIn, uploadsAvailable } from './support';

test('an ineligible payment says why, in plain words, and links to an existing case', async ({ page }) => {
  await signIn(page, 'alice');
  await page.getByRole('link', { name: 'My orders' }).click();
  const row = (product: string) => page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: product }) });
  await expect(row('Icon Set Pro')).toContainText('Crypto payments can’t be reversed');
  await expect(row('Icon Set Pro').getByRole('link', { name: /Open a case/ })).toHaveCount(0);
  await expect(row('Mockup Bundle')).toContainText('already been refunded in full');
  await expect(row('Texture Pack (2025)')).toContainText('window for opening a case');
  await expect(row('Mixing Masterclass')).toContainText('A case already exists');
  await expect(row('Songwriting Course').getByRole('link', { name: /Open a case/ })).toBeVisible();
  // Amounts in their currency's minor units: JPY has none.
  await expect(row('Synth Presets Vol. 2')).toContainText('¥4,500');
  await expect(row('Songwriting Course')).toContainText('€100.00');
  await screenshot(page, 'orders');
  await checkA11y(page, 'My orders');
  await row('Mixing Masterclass').getByRole('link', { name: 'View the case' }).click();
  await expect(page.getByRole('heading', { name: 'Mixing Masterclass', level: 1 })).toBeVisible();
});

test('files: a too-large or wrong-type file shows its error next to the field; a short description is refused', async ({ page }) => {
  await signIn(page, 'alice');
  await page.goto('/orders/pay_a9/open');
  await expect(
    page.getByText('PNG, JPEG, GIF, WebP, PDF, MP4, MOV, WebM or plain text · up to 25 MiB each · at most 3 files'),
  ).toBeVisible();
  const input = page.locator('input[type=file]');

  await input.setInputFiles({ name: 'huge-video.mp4', mimeType: 'video/mp4', buffer: Buffer.alloc(25 * 1024 * 1024 + 1) });
  await expect(page.getByText('This file is larger than 25 MiB.')).toBeVisible();

  if (await uploadsAvailable(page)) {
    await input.setInputFiles({
      name: 'setup.exe',
      mimeType: 'application/octet-stream',
      buffer: Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 4, 0, 0, 0, 0xff, 0xff]),
    });
    await expect(page.getByText('This type of file isn’t accepted')).toBeVisible();
  } else {
    note('POST /api/v1/uploads is not on this server yet: the wrong-type check shows the "not available" error instead.');
    await input.setInputFiles({ name: 'setup.exe', mimeType: 'application/octet-stream', buffer: Buffer.from([0x4d, 0x5a]) });
    await expect(page.getByText('Evidence uploads are not available on this server yet.')).toBeVisible();
  }

  await page.getByText('I didn’t receive it').click();
  await page.getByLabel('Describe the problem').fill('Too short');
  await page.getByRole('button', { name: 'Open the case' }).click();
  await expect(page.getByText('Describe the problem in at least 10 characters.')).toBeVisible();
  await expect(page.getByLabel('Describe the problem')).toHaveAttribute('aria-invalid', 'true');
  await screenshot(page, 'open-case-errors');
  await checkA11y(page, 'Open a case (errors)');
});
