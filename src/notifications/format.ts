/**
 * How the mails write things (SPEC §8): money through the one formatter (domain/money.ts),
 * times and days on the reader's calendar, time left in words, HTML escaping, one-line
 * header text for names and subjects, and the brand's header and link button (SPEC §14).
 * Apart from the templates (templates.ts) so that their words read without the markup,
 * and so that other pages (web/static.ts) and the sender (mail.ts) share the escaping.
 */
import { formatMoney } from '../domain/money.js';
import { type BrandView, type Palette, palette } from '../web/brand.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Header-safe: no CR, LF or other control characters (no header injection), one line. */
export function oneLine(s: string): string {
  return (
    s
      // eslint-disable-next-line no-control-regex -- stripping control characters is the point
      .replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

/** Building an Intl formatter costs about as much as rendering a whole mail: one per zone. */
const timeFormats = new Map<string, Intl.DateTimeFormat>();

/** Mail states money as the web app does (one formatter, src/domain/money.ts), in en-US. */
export const mailMoney = (amount: number, currency: string): string => formatMoney(amount, currency, 'en-US');

export function formatTime(iso: string, timeZone: string): string {
  let f = timeFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    timeFormats.set(timeZone, f);
  }
  const when = f.format(new Date(iso));
  return timeZone === 'UTC' ? when : `${when} (${timeZone})`;
}

/** "6 Dec 2026": a day on the reader's calendar. */
export function formatDay(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(iso));
}

/** "6 days 23 hours", "48 hours", "3 hours 5 minutes": the two largest units. */
export function timeLeft(iso: string, now: Date): string {
  const minutes = Math.max(0, Math.floor((Date.parse(iso) - now.getTime()) / 60_000));
  const unit = (n: number, w: string) => (n === 0 ? '' : `${n} ${w}${n === 1 ? '' : 's'}`);
  const join = (a: string, b: string) => [a, b].filter(Boolean).join(' ') || 'less than a minute';
  if (minutes >= 72 * 60) return join(unit(Math.floor(minutes / 1440), 'day'), unit(Math.floor((minutes % 1440) / 60), 'hour'));
  return join(unit(Math.floor(minutes / 60), 'hour'), unit(minutes % 60, 'minute'));
}

/** The app's own accent, for mails without a BRAND_COLOR. */
const DEFAULT_PALETTE: Palette = palette('#3a45d6');

/** The brand's header: its colour, with its logo when it has one and its name always (images are often blocked). */
export function brandHeader(brand: BrandView): string {
  const colours = brand.palette ?? DEFAULT_PALETTE;
  return (
    `<div style="margin:0 0 16px;padding:12px 16px;border-radius:8px;background:${colours.brand};color:${colours.onBrand};font-weight:700;font-size:17px">` +
    (brand.logoUrl
      ? `<img src="${escapeHtml(brand.logoUrl)}" alt="" height="28" style="height:28px;vertical-align:middle;margin-right:10px;border:0">`
      : '') +
    `<span style="vertical-align:middle">${escapeHtml(brand.name)}</span></div>`
  );
}

/** The link to the case, as a button in the brand's accent. */
export function caseButton(url: string, brand: BrandView): string {
  const colours = brand.palette ?? DEFAULT_PALETTE;
  return `<p style="margin:0 0 12px"><a href="${escapeHtml(url)}" style="display:inline-block;padding:8px 16px;border-radius:8px;background:${colours.accent};color:#ffffff;text-decoration:none;font-weight:600">Open the case</a></p>`;
}
