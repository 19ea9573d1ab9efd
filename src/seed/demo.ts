/**
 * The demo marketplace (SPEC §10, `DEMO_SEED`): seeded into an empty database
 * through the same services as real traffic, on a clock set in the past so
 * every case has a believable timeline and live deadlines.
 */
import type { Services } from '../services.js';
import type { Viewer } from '../cases/access.js';
import { CaseService } from '../cases/service.js';
import { Clock } from '../clock.js';
import type { ActionInput } from '../domain/case-actions.js';
import type { IssueType, Provider } from '../domain/model.js';
import { Disputes } from '../disputes/disputes.js';
import { normalizeSettings, writeSettings } from '../disputes/settings.js';
import { PlatformSync } from '../platform/sync.js';
import { reminderFor } from '../notifications/listener.js';
import { enqueue } from '../outbox/outbox.js';
import { type EvidenceInput, SystemEvidence } from '../evidence/system.js';

export const DEMO_PASSWORD = 'demo-password';

export const DEMO_USERS = [
  { id: 'u_alice', name: 'Alice Martin', email: 'alice@example.com', timeZone: 'Europe/Paris', role: 'customer' },
  { id: 'u_bob', name: 'Bob Chen', email: 'bob@example.com', timeZone: 'America/New_York', role: 'customer' },
  { id: 'u_carol', name: 'Carol Diaz', email: 'carol@example.com', timeZone: 'UTC', role: 'customer' },
  { id: 'u_dana', name: 'Dana Kim', email: 'dana@pixelforge.example', timeZone: 'Asia/Seoul', role: 'merchant (Pixel Forge)' },
  { id: 'u_eli', name: 'Eli Novak', email: 'eli@beatcraft.example', timeZone: 'Europe/Berlin', role: 'merchant (Beatcraft Academy)' },
  { id: 'u_sam', name: 'Sam Rivera', email: 'sam@platform.example', timeZone: 'UTC', role: 'staff' },
  { id: 'u_tess', name: 'Tess Okafor', email: 'tess@platform.example', timeZone: 'Africa/Lagos', role: 'staff' },
] as const;

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;

export async function seedDemo(s: Services): Promise<boolean> {
  const any = await s.db.selectFrom('users').select('id').limit(1).executeTakeFirst();
  if (any) return false;

  const realNow = s.clock.now().getTime();
  let t = realNow - 30 * DAY;
  const clock = new Clock(s.db, false, () => t);
  const at = (msAgo: number) => {
    t = realNow - msAgo;
  };
  // History is written without notifications: nobody should be emailed about the past.
  const cases = new CaseService(s.db, clock, s.config);
  const disputes = new Disputes(s.db, clock, cases);
  const platform = new PlatformSync(s.db, clock, cases, disputes, s.invalidations);

  for (const u of DEMO_USERS)
    await platform.putUser(u.id, {
      email: u.email,
      name: u.name,
      password: DEMO_PASSWORD,
      isStaff: u.role === 'staff',
      timeZone: u.timeZone,
    });
  await platform.putMerchant('m_pixelforge', { name: 'Pixel Forge', supportEmail: 'support@pixelforge.example', memberIds: ['u_dana'] });
  await platform.putMerchant('m_beatcraft', { name: 'Beatcraft Academy', supportEmail: 'help@beatcraft.example', memberIds: ['u_eli'] });

  const viewer = async (id: string): Promise<Viewer> => {
    const v = await s.sessions.viewerById(id);
    if (!v) throw new Error(`demo user ${id} missing`);
    return v;
  };
  const [alice, bob, carol, dana, eli, sam, tess] = (await Promise.all(
    ['u_alice', 'u_bob', 'u_carol', 'u_dana', 'u_eli', 'u_sam', 'u_tess'].map(viewer),
  )) as [Viewer, Viewer, Viewer, Viewer, Viewer, Viewer, Viewer];

  type Pay = [
    id: string,
    customer: string,
    merchant: string,
    product: string,
    amount: number,
    currency: string,
    provider: Provider,
    daysAgo: number,
    status?: 'refunded' | 'partially_refunded',
    refunded?: number,
  ];
  const payments: Pay[] = [
    ['pay_a1', 'u_alice', 'm_pixelforge', 'Lightroom Preset Pack', 4900, 'USD', 'stripe', 3],
    ['pay_a2', 'u_alice', 'm_beatcraft', 'Mixing Masterclass', 12900, 'USD', 'paypal', 9],
    ['pay_a3', 'u_alice', 'm_pixelforge', 'Icon Set Pro', 2500, 'USD', 'crypto', 12],
    ['pay_a4', 'u_alice', 'm_beatcraft', 'Drum Sample Library', 3900, 'USD', 'coinbase_commerce', 15],
    ['pay_a5', 'u_alice', 'm_pixelforge', 'Mockup Bundle', 1900, 'USD', 'stripe', 20, 'refunded'],
    ['pay_a6', 'u_alice', 'm_beatcraft', 'Songwriting Course', 10000, 'EUR', 'stripe', 25, 'partially_refunded', 2000],
    ['pay_a7', 'u_alice', 'm_pixelforge', 'Texture Pack (2025)', 2900, 'USD', 'stripe', 200],
    ['pay_a8', 'u_alice', 'm_pixelforge', 'UI Kit Figma License', 8900, 'USD', 'stripe', 8],
    ['pay_a9', 'u_alice', 'm_beatcraft', 'Synth Presets Vol. 2', 4500, 'JPY', 'paypal', 2],
    ['pay_b1', 'u_bob', 'm_pixelforge', 'Font Family License', 5900, 'USD', 'stripe', 10],
    ['pay_b2', 'u_bob', 'm_beatcraft', 'Mastering Workshop', 19900, 'USD', 'stripe', 14],
    ['pay_b3', 'u_bob', 'm_pixelforge', '3D Asset Pack', 7900, 'USD', 'paypal', 22],
    ['pay_b4', 'u_bob', 'm_beatcraft', 'Beat Making 101', 4900, 'USD', 'stripe', 28],
    ['pay_c1', 'u_carol', 'm_pixelforge', 'Brush Collection', 1500, 'GBP', 'stripe', 6],
    ['pay_c2', 'u_carol', 'm_beatcraft', 'Vocal Chops Pack', 2900, 'USD', 'paypal', 18],
    ['pay_c3', 'u_carol', 'm_pixelforge', 'Logo Template Kit', 3500, 'USD', 'stripe', 16],
    ['pay_c4', 'u_carol', 'm_beatcraft', 'Ear Training App', 6900, 'USD', 'stripe', 11],
    ['pay_c5', 'u_carol', 'm_pixelforge', 'Photo Retouch Course', 15900, 'USD', 'stripe', 26],
    ['pay_d1', 'u_dana', 'm_pixelforge', 'Team Seat Test Purchase', 100, 'USD', 'stripe', 4],
  ];
  // Synced as they are now: a payment is never reported before it was made.
  at(0);
  for (const [id, customerId, merchantId, productName, amount, currency, provider, daysAgo, status, refunded] of payments)
    await platform.putPayment(id, {
      customerId,
      merchantId,
      productName,
      amount,
      currency,
      provider,
      providerPaymentId: provider === 'paypal' ? `CAP${id.toUpperCase().replace('_', '')}` : `pi_demo_${id}`,
      status: status ?? 'succeeded',
      refundedAmount: refunded,
      paidAt: new Date(realNow - daysAgo * DAY).toISOString(),
    });

  // What the marketplace recorded of delivery and use (SPEC §13): the staff reviewing these cases see it.
  const evidence = new SystemEvidence(s.db);
  const record = async (paymentId: string, items: [id: string, msAgo: number, input: Omit<EvidenceInput, 'occurredAt'>][]) => {
    for (const [id, msAgo, input] of items)
      await evidence.put(paymentId, id, { ...input, occurredAt: new Date(realNow - msAgo).toISOString() }, new Date(realNow - msAgo));
  };
  const browser = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/17.4';
  await record('pay_a2', [
    [
      'ev_a2_access',
      9 * DAY,
      {
        type: 'access_granted',
        description: 'Access to “Mixing Masterclass” granted after payment',
        data: { product: 'mixing-masterclass' },
      },
    ],
    [
      'ev_a2_login',
      9 * DAY - 2 * HOUR,
      { type: 'login', ip: '198.51.100.23', userAgent: browser, description: 'Signed in to the marketplace' },
    ],
  ]);
  await record('pay_b2', [
    ['ev_b2_access', 14 * DAY, { type: 'access_granted', description: 'Ticket for the live “Mastering Workshop” issued' }],
    [
      'ev_b2_policy',
      14 * DAY,
      { type: 'policy_accepted', description: 'Accepted the refund policy (v3) at checkout', data: { policy: 'refunds-v3' } },
    ],
    [
      'ev_b2_delivery',
      12 * DAY,
      { type: 'delivery', description: 'Workshop cancelled; no recording was published', data: { status: 'cancelled' } },
    ],
  ]);
  await record('pay_b3', [
    ['ev_b3_access', 22 * DAY, { type: 'access_granted', description: 'Download access to “3D Asset Pack” granted' }],
    [
      'ev_b3_login',
      21 * DAY,
      { type: 'login', ip: '203.0.113.50', deviceId: 'dev_7f3a', userAgent: browser, description: 'Signed in from a new device' },
    ],
    [
      'ev_b3_dl1',
      21 * DAY - HOUR,
      {
        type: 'download',
        ip: '203.0.113.50',
        deviceId: 'dev_7f3a',
        description: 'Downloaded 3d-asset-pack.zip (1.8 GB), complete',
        data: { file: '3d-asset-pack.zip', bytes: 1932735283 },
      },
    ],
    [
      'ev_b3_dl2',
      20 * DAY,
      {
        type: 'download',
        ip: '203.0.113.50',
        deviceId: 'dev_7f3a',
        description: 'Downloaded 3d-asset-pack.zip again, complete',
        data: { file: '3d-asset-pack.zip', bytes: 1932735283 },
      },
    ],
    [
      'ev_b3_usage',
      20 * DAY - 3 * HOUR,
      { type: 'license_activated', deviceId: 'dev_7f3a', description: 'Licence key activated in the asset importer' },
    ],
  ]);

  const open = async (who: Viewer, paymentId: string, issueType: IssueType, description: string, msAgo: number) => {
    at(msAgo);
    return (await cases.open(who, { paymentId, issueType, description, attachmentIds: [] })).row.id;
  };
  const act = async (who: Viewer, caseId: string, input: ActionInput, msAgo: number) => {
    at(msAgo);
    await cases.act(who, caseId, { ...input, attachmentIds: [] });
  };

  // Waiting for the merchant, due in about five days.
  await open(
    alice,
    'pay_a2',
    'item_not_received',
    'I paid for the Mixing Masterclass but the course never appeared in my library, and the link in the receipt gives a 404.',
    2 * DAY,
  );

  // A partial refund on the table for Alice.
  const a8 = await open(
    alice,
    'pay_a8',
    'significantly_not_as_described',
    'The listing promised 400 components with auto-layout. The file has about 120 and most are not auto-layout.',
    5 * DAY,
  );
  await act(
    dana,
    a8,
    {
      type: 'offer_partial_refund',
      amount: 4000,
      message: 'Sorry about that. The auto-layout update ships next month; meanwhile I can refund $40 and you keep the kit.',
    },
    3 * DAY,
  );

  // The merchant asked Bob for details.
  const b1 = await open(
    bob,
    'pay_b1',
    'product_unacceptable',
    'The font files are corrupted: macOS refuses to install three of the five weights.',
    4 * DAY,
  );
  await act(
    dana,
    b1,
    {
      type: 'request_more_info',
      message: 'Could you tell me which weights fail and which macOS version you use? A screenshot of the error would help.',
    },
    1 * DAY,
  );

  // The merchant stayed silent: escalated to staff.
  const b2 = await open(
    bob,
    'pay_b2',
    'item_not_received',
    'The live workshop was cancelled and no recording or refund was ever offered.',
    9 * DAY,
  );
  at(2 * DAY);
  await cases.system(b2, { type: 'expire' });

  // Decided for Bob by staff; the appeal window is still open.
  const b3 = await open(
    bob,
    'pay_b3',
    'significantly_not_as_described',
    'The models are advertised as game-ready, but they are 2M polygons each with no LODs.',
    20 * DAY,
  );
  await act(dana, b3, { type: 'deny', message: 'The description says "high detail". Game-ready depends on the game.' }, 18 * DAY);
  await act(
    bob,
    b3,
    { type: 'escalate', message: 'Game-ready has a common meaning. I would like the platform to look at this.' },
    17 * DAY,
  );
  await act(
    sam,
    b3,
    { type: 'note', message: 'Checked the listing: "game-ready" appears in the title. Leaning to the customer.' },
    3 * DAY,
  );
  await act(
    sam,
    b3,
    {
      type: 'decide',
      outcome: 'refund',
      message: 'The listing title says "game-ready"; the files do not meet that. Full refund, paid by the merchant.',
    },
    2 * DAY,
  );

  // Bob never answered: the merchant won.
  const b4 = await open(bob, 'pay_b4', 'forgot_to_cancel', 'I meant to cancel before the renewal.', 27 * DAY);
  await act(eli, b4, { type: 'deny', message: 'This is a one-time purchase, not a subscription; there was nothing to cancel.' }, 26 * DAY);
  at(19 * DAY);
  await cases.system(b4, { type: 'expire' });

  // Carol withdrew after talking it through.
  const c1 = await open(carol, 'pay_c1', 'other', 'I cannot find how to import the brushes into Procreate.', 5 * DAY);
  await act(
    dana,
    c1,
    { type: 'respond', message: 'Tap the .brushset file in the Files app and it imports itself. Here is a guide: pixelforge.example/help' },
    4 * DAY,
  );
  await act(carol, c1, { type: 'withdraw', message: 'That worked, thank you!' }, 4 * DAY - 2 * HOUR);

  // Carol went to her bank after a denial: PayPal reports the chargeback, and the case is staged as the merchant's answer.
  await record('pay_c2', [
    ['ev_c2_download', 17 * DAY, { type: 'download', ip: '198.51.100.23', description: 'Downloaded “Vocal Chops Pack” (412 MB)' }],
  ]);
  const c2 = await open(carol, 'pay_c2', 'unauthorized_transaction', 'I do not recognise this purchase.', 15 * DAY);
  await act(
    eli,
    c2,
    { type: 'deny', message: 'The pack was bought from your account and downloaded the same day from your usual address.' },
    14 * DAY,
  );
  at(12 * DAY);
  await disputes.report('pay_c2', 'paypal', 'PP-D-DEMO-C2', {
    stage: 'chargeback',
    reason: 'unauthorised',
    respondBy: new Date(realNow + 9 * DAY).toISOString(),
    reportedAt: new Date(realNow - 12 * DAY).toISOString(),
  });

  // Staff asked the merchant for evidence.
  const c3 = await open(
    carol,
    'pay_c3',
    'product_unacceptable',
    'The templates are low-resolution JPEGs, not the vector files promised.',
    12 * DAY,
  );
  await act(dana, c3, { type: 'deny', message: 'The package includes vectors in the /src folder.' }, 11 * DAY);
  await act(carol, c3, { type: 'escalate', message: 'There is no /src folder in the download.' }, 10 * DAY);
  await act(
    tess,
    c3,
    { type: 'request_merchant_info', message: 'Please share a listing of the files in the download as delivered to customers.' },
    1 * DAY,
  );

  // The merchant accepted at once: refunded.
  const c4 = await open(carol, 'pay_c4', 'item_not_received', 'The license key was never emailed.', 8 * DAY);
  await act(eli, c4, { type: 'accept', message: 'Our key server had an outage that week. Refunded in full, and sorry!' }, 7 * DAY);

  // Platform credit decided, the merchant appealed: waiting for a second reviewer.
  const c5 = await open(carol, 'pay_c5', 'significantly_not_as_described', 'Half of the lessons are missing their video.', 24 * DAY);
  at(16 * DAY);
  await cases.system(c5, { type: 'expire' });
  await act(
    sam,
    c5,
    {
      type: 'decide',
      outcome: 'credit',
      amount: 8000,
      message: 'Half the lessons lack video. A platform credit of half the price is fair.',
    },
    6 * DAY,
  );
  await act(
    dana,
    c5,
    { type: 'appeal', message: 'All videos were uploaded; the customer had a playback issue. Here is our hosting log.' },
    5 * DAY,
  );
  // SPEC §12: Bob's bank is asking about the font purchase while his case is open (an inquiry
  // on the case), Stripe Radar warned about Alice's old texture pack (an alert without a case),
  // and Pixel Forge refunds small claims automatically.
  at(6 * HOUR);
  await disputes.report('pay_b1', 'stripe', 'dp_demo_b1', {
    stage: 'inquiry',
    status: 'open',
    reason: 'product_unacceptable',
    respondBy: new Date(realNow + 6 * DAY).toISOString(),
    reportedAt: new Date(realNow - 6 * HOUR).toISOString(),
  });
  at(3 * HOUR);
  await disputes.report('pay_a7', 'stripe', 'issfr_demo_a7', {
    stage: 'early_warning',
    status: 'open',
    actionable: true,
    alertKind: 'early_fraud_warning',
    network: 'stripe_radar',
    reason: 'made_with_stolen_card',
    reportedAt: new Date(realNow - 3 * HOUR).toISOString(),
  });
  await writeSettings(
    s.db,
    'm_pixelforge',
    normalizeSettings({
      autoRefund: { card: { GBP: 1000 }, message: 'Small purchases are refunded at once: no questions asked. Sorry it did not work out!' },
      alertAutoRefund: { USD: 100 },
    }),
    new Date(realNow - 3 * HOUR),
  );
  // Issue 19 (SPEC §16). A serial disputer, Finn (not in the sign-in list), with cases at
  // three merchants: one at Lumen Studio denied and then taken to his bank, two withdrawn,
  // and one waiting for staff, which Tess holds. Beatcraft's 90 quiet payments put its one
  // chargeback near the networks' thresholds (1 in about 95: between Visa's 0.9 % and
  // Mastercard's 1.5 %). None of this changes what the other demo people see of their cases.
  at(0);
  await platform.putUser('u_finn', {
    email: 'finn@example.com',
    name: 'Finn Walsh',
    password: DEMO_PASSWORD,
    isStaff: false,
    timeZone: 'Europe/Dublin',
  });
  await platform.putUser('u_lena', {
    email: 'lena@lumen.example',
    name: 'Lena Berg',
    password: DEMO_PASSWORD,
    isStaff: false,
    timeZone: 'Europe/Stockholm',
  });
  await platform.putMerchant('m_lumen', { name: 'Lumen Studio', supportEmail: 'help@lumen.example', memberIds: ['u_lena'] });
  const finnPayments: [string, string, string, number, number][] = [
    ['pay_f1', 'm_lumen', 'Cinematic LUTs', 3900, 40],
    ['pay_f2', 'm_pixelforge', 'Poster Templates', 2900, 30],
    ['pay_f3', 'm_beatcraft', 'Lo-fi Loop Kit', 1900, 25],
    ['pay_f4', 'm_lumen', 'Color Grading Course', 9900, 12],
  ];
  for (const [id, merchantId, productName, amount, daysAgo] of finnPayments)
    await platform.putPayment(id, {
      customerId: 'u_finn',
      merchantId,
      productName,
      amount,
      currency: 'USD',
      provider: 'stripe',
      providerPaymentId: `pi_demo_${id}`,
      status: 'succeeded',
      paidAt: new Date(realNow - daysAgo * DAY).toISOString(),
    });
  for (let i = 0; i < 90; i++)
    await platform.putPayment(`pay_q${i}`, {
      customerId: 'u_finn',
      merchantId: 'm_beatcraft',
      productName: 'Beat Making 101',
      amount: 4900,
      currency: 'USD',
      provider: 'stripe',
      providerPaymentId: `pi_demo_q${i}`,
      status: 'succeeded',
      paidAt: new Date(realNow - (1 + (i % 28)) * DAY - i * HOUR).toISOString(),
    });
  const [finn, lena] = (await Promise.all(['u_finn', 'u_lena'].map(viewer))) as [Viewer, Viewer];
  const f1 = await open(finn, 'pay_f1', 'item_not_received', 'The LUT files never arrived in my downloads.', 38 * DAY);
  await act(lena, f1, { type: 'deny', message: 'Our logs show two complete downloads from your account.' }, 37 * DAY);
  at(35 * DAY);
  await platform.chargeback('pay_f1');
  const f2 = await open(finn, 'pay_f2', 'product_unacceptable', 'The templates do not open in my version of the app.', 28 * DAY);
  await act(finn, f2, { type: 'withdraw' }, 27 * DAY);
  const f3 = await open(finn, 'pay_f3', 'other', 'I bought this twice by mistake, I think.', 24 * DAY);
  await act(finn, f3, { type: 'withdraw', message: 'Found it, only once. Sorry.' }, 24 * DAY - HOUR);
  const f4 = await open(finn, 'pay_f4', 'significantly_not_as_described', 'The course is a third of the advertised length.', 10 * DAY);
  await act(lena, f4, { type: 'deny', message: 'The course has all 24 lessons listed on the page.' }, 9 * DAY);
  await act(finn, f4, { type: 'escalate', message: 'Most lessons are two minutes long. Please look at it.' }, 8 * DAY);
  await act(tess, f4, { type: 'claim' }, 1 * DAY);
  const replyAt = new Date(realNow).toISOString();
  await s.db
    .insertInto('saved_replies')
    .values([
      {
        id: 'rpl_demo_pf1',
        merchant_id: 'm_pixelforge',
        title: 'Looking into it',
        body: 'Hi {{customer.name}}, thanks for telling us. {{merchant.name}} is checking your order of {{payment.amount}} and will answer before {{case.dueAt}}.',
        created_by: 'u_dana',
        created_at: replyAt,
        updated_at: replyAt,
      },
      {
        id: 'rpl_demo_st1',
        merchant_id: null,
        title: 'Under review',
        body: 'Hello {{customer.name}} and {{merchant.name}}: the platform is reviewing this case about {{payment.amount}}. We will write to both of you with a decision.',
        created_by: 'u_sam',
        created_at: replyAt,
        updated_at: replyAt,
      },
    ])
    .execute();

  // The past is not mailed, but the live deadlines it leaves get their 48-hour reminders.
  const live = await s.db.selectFrom('cases').select(['id', 'due_at']).where('due_at', 'is not', null).execute();
  const now = s.clock.now();
  await enqueue(
    s.db,
    now,
    live.flatMap((c) => (c.due_at ? (reminderFor(c.id, c.due_at, now) ?? []) : [])),
  );
  return true;
}

export const demoLoginHelp = (): string =>
  DEMO_USERS.map((u) => `  ${u.role.padEnd(28)} ${u.email.padEnd(26)} ${DEMO_PASSWORD}`).join('\n');
