/**
 * The review queue says why each case is with staff, in words, and filters by it. Runs after
 * the time machine: its 7 days left the seed's silent merchant and the merchant who did not
 * answer staff's question in the queue; this spec adds the other ways in through the API.
 */
import { type APIRequestContext, expect, test } from '@playwright/test';
import { apiToken, ariaTree, checkA11y, screenshot, signIn } from './support';

const PLATFORM_KEY = 'rc_dev_platform_key_do_not_use_in_production';

async function post(request: APIRequestContext, token: string, path: string, data: unknown) {
  const r = await request.post(`/api/v1${path}`, { headers: { authorization: `Bearer ${token}` }, data });
  expect(r.status(), `${path}: ${await r.text()}`).toBeLessThan(300);
  return (await r.json()) as { id: string };
}

test('each card says why the case reached staff; the filter keeps one reason', async ({ page, request }) => {
  const alice = await apiToken(request, 'alice');
  const dana = await apiToken(request, 'dana');
  const sam = await apiToken(request, 'sam');
  const act = (token: string, id: string, body: Record<string, unknown>) => post(request, token, `/cases/${id}/actions`, body);
  /** A new payment of Alice's at Pixel Forge, opened, denied and escalated by her. */
  const escalated = async (productName: string) => {
    const paymentId = `pay_e2e_${productName.toLowerCase().replace(/\W+/g, '_')}`;
    const put = await request.put(`/api/v1/platform/payments/${paymentId}`, {
      headers: { authorization: `Bearer ${PLATFORM_KEY}` },
      data: {
        customerId: 'u_alice',
        merchantId: 'm_pixelforge',
        amount: 7900,
        currency: 'USD',
        provider: 'stripe',
        providerPaymentId: `pi_${paymentId}`,
        status: 'succeeded',
        productName,
        paidAt: new Date(Date.now() - 86_400_000).toISOString(),
      },
    });
    expect(put.status()).toBe(200);
    const c = await post(request, alice, '/cases', {
      paymentId,
      issueType: 'significantly_not_as_described',
      description: 'The files do not match the listing at all.',
    });
    await act(dana, c.id, { type: 'deny', message: 'They match the listing.' });
    await act(alice, c.id, { type: 'escalate', message: 'Please decide.' });
    return c.id;
  };
  await escalated('Vector Brush Pack');
  const asked = await escalated('LUT Collection');
  await act(sam, asked, { type: 'request_customer_info', message: 'Which files differ?' });
  await act(alice, asked, { type: 'respond', message: 'All of the .cube files.' });
  const askedMerchant = await escalated('Sound FX Library');
  await act(sam, askedMerchant, { type: 'request_merchant_info', message: 'Your listing as it was on the day of sale, please.' });
  await act(dana, askedMerchant, { type: 'respond', message: 'Attached to our help page.' });
  const appealed = await escalated('Font Family Pro');
  await act(sam, appealed, { type: 'decide', outcome: 'merchant_wins', message: 'The listing matches.' });
  await act(alice, appealed, { type: 'appeal', message: 'The listing was changed after my purchase.' });

  await signIn(page, 'tess');
  await page.getByRole('link', { name: 'Review queue' }).click();
  const card = (product: string) => page.getByRole('link').filter({ hasText: product });
  const expected: [string, string][] = [
    ['Mastering Workshop', 'The merchant did not answer in 7 days'],
    ['Mixing Masterclass', 'The merchant did not answer in 7 days'],
    ['Logo Template Kit', 'The merchant did not answer staff’s question'],
    ['Photo Retouch Course', 'Appeal by the merchant'],
    ['Vector Brush Pack', 'The customer asked the platform to decide'],
    ['LUT Collection', 'The customer answered staff’s question'],
    ['Sound FX Library', 'The merchant answered staff’s question'],
    ['Font Family Pro', 'Appeal by the customer'],
  ];
  for (const [product, why] of expected) await expect(card(product), product).toContainText(why);
  // A case that just arrived has waited "just now", and its time names the zone (Tess is in Lagos).
  await expect(card('Font Family Pro')).toContainText(/just now · since \w{3} \d{1,2}, \d{4}, \d{1,2}:\d\d [AP]M GMT\+1/);
  await expect(page.getByText(/waiting \d+ s\b/)).toHaveCount(0);
  await ariaTree(page, 'Review queue');
  await checkA11y(page, 'Review queue (every reason)');
  await screenshot(page, 'review-queue');

  // The filter: one reason, kept in the address so the view can be shared.
  await page.getByLabel('Why it is here').selectOption({ label: 'Appeal by the customer' });
  await expect(page).toHaveURL(/\/queue\?reason=customer_appeal$/);
  await expect(page.getByRole('list', { name: 'Cases waiting for staff' }).getByRole('listitem')).toHaveCount(1);
  await expect(card('Font Family Pro')).toBeVisible();
  await page.goto('/queue?reason=merchant_unresponsive');
  await expect(page.getByLabel('Why it is here')).toHaveValue('merchant_unresponsive');
  await expect(page.getByRole('list', { name: 'Cases waiting for staff' }).getByRole('listitem')).toHaveCount(2);
  await page.getByLabel('Why it is here').selectOption({ label: 'The refund failed at the payment provider' });
  await expect(page.getByText('No case waiting for staff has this reason.')).toBeVisible();
  await checkA11y(page, 'Review queue (filtered, empty)');
});
