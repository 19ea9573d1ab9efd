/** The only module that reads process.env (SPEC §10). */
import net from 'node:net';
import path from 'node:path';
import type { Policy } from './domain/case.js';
import { type Duration, parseDuration } from './domain/time.js';

export interface Config {
  production: boolean;
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string;
  storageUrl: string;
  smtpUrl: string | null;
  /** The From of every mail (`MAIL_FROM`); default no-reply at PUBLIC_URL's host. */
  mailFrom: string | null;
  platformApiKey: string;
  platformApiKeyIsDefault: boolean;
  sessionSecret: string;
  sessionTtl: Duration;
  demoSeed: boolean;
  devClock: boolean;
  filingWindow: Duration;
  policy: Policy;
  maxFileBytes: number;
  /** Bytes of unclaimed uploads one person may hold (`UPLOAD_QUOTA_BYTES`). */
  uploadQuotaBytes: number;
  stripe: { secretKey: string | null; apiBase: string; filesBase: string; webhookSecret: string | null };
  paypal: { clientId: string | null; clientSecret: string | null; apiBase: string; webhookId: string | null };
  logLevel: string;
  /** Check every response against its zod schema (tests); production serialises directly. */
  validateResponses: boolean;
  /** Requests per minute per caller on the rate-limited routes. */
  rateLimits: { login: number; openCase: number; actions: number; uploads: number };
  /** Failed logins one account may have in 15 minutes, from wherever they come (SPEC §15). */
  loginAccountFailures: number;
  /**
   * Which proxies' `X-Forwarded-For` to believe (`TRUST_PROXY`): a hop count, or the
   * proxies' addresses and CIDRs; false (the default) takes the socket's address.
   */
  trustProxy: number | string[] | false;
  /** Where a visit without a session is sent to sign in at the marketplace (`PLATFORM_LOGIN_URL`, SPEC §14). */
  platformLoginUrl: string | null;
  /** The origins that may frame the app (`FRAME_ANCESTORS`); empty refuses framing. */
  frameAncestors: string[];
  /** The name, accent colour and logo of the app and every mail (SPEC §14). */
  brand: Brand;
}

export interface Brand {
  name: string;
  /** `#rrggbb`; null keeps the app's own colours. */
  color: string | null;
  logoUrl: string | null;
}

const DEFAULT_BRAND_NAME = 'Resolution Center';

export const DEV_PLATFORM_API_KEY = 'rc_dev_platform_key_do_not_use_in_production';

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function duration(env: Env, name: string, fallback: string): Duration {
  const v = env[name] ?? fallback;
  try {
    return parseDuration(v);
  } catch {
    throw new ConfigError(`${name} must be an ISO 8601 duration such as P7D, got "${v}"`);
  }
}

function integer(env: Env, name: string, fallback: number): number {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new ConfigError(`${name} must be a whole number, got "${v}"`);
  return n;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const v = env[name];
  if (v === undefined || v === '') return fallback;
  return v === '1' || v.toLowerCase() === 'true';
}

/** Never "trust everyone": that would let any client pick its own address. */
function trustProxy(env: Env): number | string[] | false {
  const v = env.TRUST_PROXY?.trim();
  if (!v || v === '0' || v.toLowerCase() === 'false') return false;
  if (/^\d+$/.test(v)) return Number(v);
  const entries = v.split(',').map((e) => e.trim());
  for (const e of entries) {
    const [address, bits, ...rest] = e.split('/');
    const family = net.isIP(address ?? '');
    const prefixOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (family === 6 ? 128 : 32));
    if (!family || !prefixOk || rest.length) {
      throw new ConfigError(
        `TRUST_PROXY must be a hop count or a comma-separated list of proxy addresses or CIDRs (never "all"), got "${e}"`,
      );
    }
  }
  return entries;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function httpUrl(env: Env, name: string, loopbackHttp: boolean): string | null {
  const v = env[name]?.trim();
  if (!v) return null;
  let url: URL | null = null;
  try {
    url = new URL(v);
  } catch {
    url = null;
  }
  const ok = url && (url.protocol === 'https:' || (url.protocol === 'http:' && (!loopbackHttp || LOOPBACK.has(url.hostname))));
  if (!ok)
    throw new ConfigError(
      `${name} must be an absolute https:// URL${loopbackHttp ? ' (http:// only on loopback)' : ' or http:// URL'}, got "${v}"`,
    );
  return v;
}

/** Origins only (scheme, host, port): a path or a wildcard would not mean what it seems in `frame-ancestors`. */
function frameAncestors(env: Env): string[] {
  const entries = (env.FRAME_ANCESTORS ?? '').split(/\s+/).filter(Boolean);
  for (const e of entries) {
    let origin: string | null = null;
    try {
      const u = new URL(e);
      // A wildcard host would let any subdomain (anyone's, on a shared domain) frame the app.
      origin = (u.protocol === 'http:' || u.protocol === 'https:') && !u.hostname.includes('*') ? u.origin : null;
    } catch {
      origin = null;
    }
    if (origin !== e.replace(/\/$/, ''))
      throw new ConfigError(`FRAME_ANCESTORS must be space-separated origins such as https://market.example, got "${e}"`);
  }
  return entries.map((e) => e.replace(/\/$/, ''));
}

function brand(env: Env): Brand {
  const name = env.BRAND_NAME?.trim() || DEFAULT_BRAND_NAME;
  // It becomes a mail's subject and sender name: one line, and short.
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name) || name.length > 60)
    throw new ConfigError(`BRAND_NAME must be one line of at most 60 characters, got "${name}"`);
  const c = env.BRAND_COLOR?.trim();
  if (c && !/^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(c)) throw new ConfigError(`BRAND_COLOR must be a hex colour such as #0a7d5a, got "${c}"`);
  const color = c ? (c.length === 4 ? `#${[...c.slice(1)].map((d) => d + d).join('')}` : c).toLowerCase() : null;
  return { name, color, logoUrl: httpUrl(env, 'BRAND_LOGO_URL', true) };
}

const MIN_SECRET_CHARS = 32;

/** SPEC §10 and §15: production refuses to start without its secrets, or with weak ones. */
function productionGuard(env: Env): void {
  const missing = ['PLATFORM_API_KEY', 'SESSION_SECRET', 'PUBLIC_URL', 'SMTP_URL'].filter((k) => !env[k]);
  if (missing.length) throw new ConfigError(`In production these must be set: ${missing.join(', ')}`);
  const weak: string[] = [];
  if (env.PLATFORM_API_KEY === DEV_PLATFORM_API_KEY) weak.push('PLATFORM_API_KEY is the published development key');
  for (const k of ['PLATFORM_API_KEY', 'SESSION_SECRET'])
    if ((env[k] ?? '').length < MIN_SECRET_CHARS) weak.push(`${k} must be at least ${MIN_SECRET_CHARS} characters`);
  if (!env.PUBLIC_URL?.startsWith('https://') && !flag(env, 'ALLOW_INSECURE_HTTP', false))
    weak.push('PUBLIC_URL must be https:// (set ALLOW_INSECURE_HTTP=1 to accept http)');
  if (weak.length) throw new ConfigError(`Refusing weak production settings: ${weak.join('; ')}`);
}

export function loadConfig(env: Env = process.env): Config {
  const production = env.NODE_ENV === 'production';
  if (production) productionGuard(env);
  const host = env.HOST ?? '127.0.0.1';
  const port = integer(env, 'PORT', 3000);
  const dataDir = path.resolve(env.DATA_DIR ?? './data');
  return {
    production,
    host,
    port,
    publicUrl: (env.PUBLIC_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/$/, ''),
    dataDir,
    databaseUrl: env.DATABASE_URL ?? `sqlite://${path.join(dataDir, 'resolution-center.sqlite')}`,
    storageUrl: env.STORAGE_URL ?? `file://${path.join(dataDir, 'files')}`,
    smtpUrl: env.SMTP_URL || null,
    mailFrom: env.MAIL_FROM || null,
    platformApiKey: env.PLATFORM_API_KEY ?? DEV_PLATFORM_API_KEY,
    platformApiKeyIsDefault: !env.PLATFORM_API_KEY,
    sessionSecret: env.SESSION_SECRET ?? 'dev-session-secret',
    sessionTtl: duration(env, 'SESSION_TTL', 'P30D'),
    demoSeed: !production && flag(env, 'DEMO_SEED', true),
    devClock: !production && flag(env, 'DEV_CLOCK', true),
    filingWindow: duration(env, 'FILING_WINDOW', 'P180D'),
    policy: {
      deadlines: {
        merchant_response_needed: duration(env, 'DEADLINE_MERCHANT_RESPONSE', 'P7D'),
        customer_info_needed: duration(env, 'DEADLINE_CUSTOMER_INFO', 'P7D'),
        customer_response_needed: duration(env, 'DEADLINE_CUSTOMER_RESPONSE', 'P7D'),
        merchant_info_needed: duration(env, 'DEADLINE_MERCHANT_INFO', 'P7D'),
      },
      appealWindow: duration(env, 'APPEAL_WINDOW', 'P7D'),
    },
    maxFileBytes: integer(env, 'MAX_FILE_BYTES', 25 * 1024 * 1024),
    uploadQuotaBytes: integer(env, 'UPLOAD_QUOTA_BYTES', 200 * 1024 * 1024),
    stripe: {
      secretKey: env.STRIPE_SECRET_KEY ?? null,
      apiBase: env.STRIPE_API_BASE ?? 'https://api.stripe.com',
      filesBase: env.STRIPE_FILES_BASE ?? 'https://files.stripe.com',
      webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? null,
    },
    paypal: {
      clientId: env.PAYPAL_CLIENT_ID ?? null,
      clientSecret: env.PAYPAL_CLIENT_SECRET ?? null,
      apiBase: env.PAYPAL_API_BASE ?? 'https://api-m.paypal.com',
      webhookId: env.PAYPAL_WEBHOOK_ID ?? null,
    },
    logLevel: env.LOG_LEVEL ?? 'info',
    validateResponses: flag(env, 'VALIDATE_RESPONSES', false),
    rateLimits: {
      login: integer(env, 'RATE_LIMIT_LOGIN', 10),
      openCase: integer(env, 'RATE_LIMIT_OPEN_CASE', 30),
      actions: integer(env, 'RATE_LIMIT_ACTIONS', 120),
      uploads: integer(env, 'RATE_LIMIT_UPLOADS', 60),
    },
    loginAccountFailures: integer(env, 'LOGIN_ACCOUNT_FAILURES', 10),
    trustProxy: trustProxy(env),
    platformLoginUrl: httpUrl(env, 'PLATFORM_LOGIN_URL', false),
    frameAncestors: frameAncestors(env),
    brand: brand(env),
  };
}
