import crypto from 'node:crypto';

/**
 * Verifies a delivery's `RC-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>]` against the
 * raw body, as received (before any JSON parsing). True when `t` is within
 * `toleranceSeconds` of `now` and any `v1` is HMAC-SHA256(secret, t + "." + body): during
 * a secret rotation a delivery carries one signature per secret.
 */
export function verifyWebhook(rawBody: string, header: string, secret: string, toleranceSeconds = 300, now = Date.now()): boolean {
  let t = Number.NaN;
  const signatures: string[] = [];
  for (const part of header.split(',')) {
    const [key, value = ''] = part.trim().split('=', 2);
    if (key === 't') t = Number(value);
    else if (key === 'v1') signatures.push(value);
  }
  if (!Number.isInteger(t) || Math.abs(now / 1000 - t) > toleranceSeconds) return false;
  const expected = Buffer.from(crypto.createHmac('sha256', secret).update(`${t}.${rawBody}`).digest('hex'));
  return signatures.some((s) => s.length === expected.length && crypto.timingSafeEqual(Buffer.from(s), expected));
}
