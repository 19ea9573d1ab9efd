/**
 * The whole story in three browser contexts (customer, merchant, staff): a case
 * opened with a file, info asked and given, denied, escalated, decided, appealed,
 * decided again by another staff member. Internal notes never reach the parties.
 */
import { type Page, expect, test } from '@playwright/test';
import { ariaTree, checkA11y, newUser, note, receiptPng, screenshot, signIn, uploadsAvailable } from './support';

const NOTE = 'Internal: the merchant has three similar complaints this month.';

async function act(page: Page, button: string | RegExp, fill: { message?: string; amount?: string }, submit: string | RegExp) {
  await page.getByRole('button', { name: button, exact: typeof button === 'string' }).click();
  if (fill.amount !== undefined) await page.getByLabel(/^Amount in/).fill(fill.amount);
  if (fill.message !== undefined) await page.locator('#action-form textarea').fill(fill.message);
  await page.getByRole('button', { name: submit }).click();
}

test('a case from opening to a final decision on appeal', async ({ browser }) => {
  test.setTimeout(180_000);
  const customer = await newUser(browser, 'alice');
  const merchant = await newUser(browser, 'dana');
  const staff = await newUser(browser, 'sam');

  // The customer opens a case with a file.
  await customer.getByRole('link', { name: 'My orders' }).click();
  await customer.getByRole('link', { name: 'Open a case for Lightroom Preset Pack' }).click();
  await expect(customer.getByRole('heading', { name: 'Open a case' })).toBeVisible();
  await expect(customer.getByText(/up to 25 MiB each · at most 3 files/)).toBeVisible();
  await customer.getByText('Not as described').click();
  const description = 'The pack was sold as 120 presets; the download has 35, and half of them are duplicates.';
  await customer.getByLabel('Describe the problem').fill(description);
  await expect(customer.getByText(`${description.length} / 5,000`)).toBeVisible();
  // The form's accessibility tree: the evidence field is one named group with one button, the
  // hidden file input is not a second, unnamed-looking control.
  const form = await ariaTree(customer, 'Open a case');
  expect(form).toContain('group "Evidence (optional)"');
  expect(form).not.toMatch(/button "Evidence/);
  await expect(customer.getByRole('group', { name: 'Evidence (optional)' }).getByRole('button')).toHaveCount(1);
  await expect(customer.getByRole('main')).toMatchAriaSnapshot(`
    - main:
      - heading "Open a case" [level=1]
      - group "What went wrong?"
      - textbox "Describe the problem"
      - group "Evidence (optional)":
        - button "Choose files"
      - button "Open the case"
  `);
  const withFiles = await uploadsAvailable(customer);
  if (withFiles) {
    await customer
      .locator('input[type=file]')
      .setInputFiles({ name: 'receipt.png', mimeType: 'image/png', buffer: await receiptPng(customer) });
    await expect(customer.getByText('Uploaded')).toBeVisible();
  } else note('POST /api/v1/uploads is not on this server yet: the case is opened without a file.');
  await screenshot(customer, 'open-case');
  await checkA11y(customer, 'Open a case');
  await customer.getByRole('button', { name: 'Open the case' }).click();
  await expect(customer.getByText('Your case is open.')).toBeVisible();
  await expect(customer.getByText('Waiting for Pixel Forge to answer.')).toBeVisible();
  if (withFiles) await expect(customer.getByRole('img', { name: 'Preview of receipt.png' })).toBeVisible();
  const caseUrl = customer.url().split('?')[0] as string;
  // The case page's tree: what a sighted customer sees, in order, every control named once.
  await ariaTree(customer, 'Case (customer, just opened)');
  await expect(customer.getByRole('main')).toMatchAriaSnapshot(`
    - main:
      - heading "Lightroom Preset Pack" [level=1]
      - region "Waiting for the merchant":
        - heading "Waiting for the merchant" [level=2]
        - paragraph:
          - time: /GMT\\+1$/
      - region "What you can do":
        - button "Reply"
        - button "Withdraw the case"
      - region "Timeline":
        - list:
          - listitem:
            - paragraph:
              - strong: You
              - text: (customer) opened the case
              - time: /GMT\\+1$/
      - complementary "Payment and parties"
  `);
  const caseId = caseUrl.split('/').pop() as string;

  // The merchant sees it in the inbox, soonest deadline first, and asks for information.
  await merchant.getByRole('link', { name: 'Cases inbox' }).click();
  await merchant.getByRole('link', { name: 'Lightroom Preset Pack' }).click();
  await expect(merchant.getByText('It’s your turn.')).toBeVisible();
  await screenshot(merchant, 'case-merchant');
  await checkA11y(merchant, 'Case (merchant)');
  await act(merchant, 'Request more info', { message: 'Which presets are duplicated? A list of file names would help.' }, 'Send request');
  await expect(merchant.getByRole('heading', { name: 'Merchant asked the customer for details' })).toBeVisible();

  // The customer's open page refreshes by itself and shows it is their turn; they answer.
  await expect(customer.getByText('It’s your turn.')).toBeVisible({ timeout: 15_000 });
  await expect(customer.getByText('This case was just updated.')).toBeVisible();
  await act(customer, 'Reply', { message: 'Duplicates: Warm 01–12 are the same as Golden 01–12.' }, 'Send reply');
  await expect(customer.getByRole('heading', { name: 'Waiting for the merchant' })).toBeVisible();

  // The merchant denies.
  await merchant.reload();
  await act(merchant, 'Deny', { message: 'They are different colour grades, not duplicates.' }, 'Deny the claim');
  await expect(merchant.getByRole('heading', { name: 'Waiting for the customer' })).toBeVisible();

  // The customer escalates.
  await customer.reload();
  await expect(customer.getByRole('button', { name: 'Accept and refund' })).toHaveCount(0);
  await act(customer, 'Ask the platform to decide', { message: 'They are pixel-identical. Please look.' }, 'Escalate to the platform');
  await expect(customer.getByRole('heading', { name: 'Under review by the platform' })).toBeVisible();

  // Staff: the review queue, an internal note, a decision.
  await staff.getByRole('link', { name: 'Review queue' }).click();
  await staff.locator(`a[href="/cases/${caseId}"]`).click();
  await act(staff, 'Add internal note', { message: NOTE }, 'Save note');
  await expect(staff.getByText('only staff can see this').first()).toBeVisible();
  await act(staff, 'Decide', { message: 'The presets are identical: full refund, paid by the merchant.' }, 'Record the decision').catch(
    () => {},
  );
  // Decide needs an outcome: the form says so next to the field, then the refund is chosen.
  await expect(staff.getByText('Choose an outcome.')).toBeVisible();
  await staff.getByText('Refund', { exact: true }).click();
  await staff.getByRole('button', { name: 'Record the decision' }).click();
  // Decided, not final: what was decided, and that the money moves only when the window closes.
  await expect(
    staff.getByRole('heading', { name: /^Refund of \$\d+\.\d\d decided — paid on \w{3} \d{1,2} unless appealed$/ }),
  ).toBeVisible();
  await expect(staff.getByText(/paid when the decision becomes final/)).toBeVisible();
  await screenshot(staff, 'case-staff');
  await checkA11y(staff, 'Case (staff)');

  // The merchant appeals; neither party ever sees the note.
  await merchant.reload();
  await expect(merchant.getByText('Decided. Either side may appeal')).toBeVisible();
  await expect(merchant.getByText(NOTE)).toHaveCount(0);
  await act(merchant, 'Appeal the decision', { message: 'We have a checksum list proving they differ.' }, 'Send the appeal');
  await expect(merchant.getByRole('heading', { name: 'Under review by the platform' })).toBeVisible();

  // The first reviewer may not decide the appeal: the button is simply not there for them.
  await staff.reload();
  await expect(staff.getByText(/A second staff member is reviewing the appeal/)).toBeVisible();
  await expect(staff.getByRole('button', { name: 'Decide the appeal' })).toHaveCount(0);

  // Another staff member decides, finally.
  await signIn(staff, 'tess');
  await staff.getByRole('link', { name: 'Review queue' }).click();
  await expect(staff.locator(`a[href="/cases/${caseId}"]`).getByText('Appeal · needs a second reviewer')).toBeVisible();
  await expect(staff.locator(`a[href="/cases/${caseId}"]`).getByText('Appeal by the merchant')).toBeVisible();
  await checkA11y(staff, 'Review queue');
  await staff.locator(`a[href="/cases/${caseId}"]`).click();
  await staff.getByRole('button', { name: 'Decide the appeal' }).click();
  await staff.getByText('Merchant wins', { exact: true }).click();
  await staff.locator('#action-form textarea').fill('The checksums differ; the grades are distinct. The merchant wins.');
  await staff.getByRole('button', { name: 'Record the decision' }).click();
  await expect(staff.getByRole('heading', { name: 'Closed: in the merchant’s favour' })).toBeVisible();

  for (const party of [customer, merchant]) {
    await party.reload();
    await expect(party.getByRole('heading', { name: 'Closed: in the merchant’s favour' })).toBeVisible();
    await expect(party.getByText('This case is closed.')).toBeVisible();
    await expect(party.getByText(NOTE)).toHaveCount(0);
    await expect(party.getByText('wrote an internal note')).toHaveCount(0);
    await expect(party.getByRole('heading', { name: 'What you can do' })).toHaveCount(0);
  }
  await screenshot(customer, 'case-customer-closed');

  // The local mailbox shows the emails the customer was sent along the way (delivered by the worker).
  await customer.getByRole('link', { name: 'Mailbox' }).click();
  await expect(customer.getByRole('list', { name: 'Emails' }).getByRole('listitem').first()).toBeVisible({ timeout: 30_000 });
  await customer.getByRole('list', { name: 'Emails' }).getByRole('button').first().click();
  await expect(customer.locator('.mail-body pre')).not.toBeEmpty();
  await checkA11y(customer, 'Mailbox (with mail)');
  await screenshot(customer, 'mailbox');
  const api = await customer.request.get(`/api/v1/cases/${caseId}`);
  expect(JSON.stringify(await api.json())).not.toContain(NOTE);
});
