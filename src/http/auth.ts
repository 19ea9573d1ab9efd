/**
 * Who is calling: the platform by API key, a person by session (cookie or
 * bearer). Cookie-authenticated unsafe requests must come from our own origin.
 */
import crypto from 'node:crypto';
// req.cookies and reply.setCookie are @fastify/cookie's, registered by the server.
import type {} from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Sessions } from '../auth/sessions.js';
import type { Viewer } from '../cases/access.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { DomainError } from '../domain/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    viewer: Viewer | null;
    platform: boolean;
    sessionToken: string | null;
  }
}

export const SESSION_COOKIE = 'rc_session';

/**
 * The session cookie's attributes. Inside a marketplace's frame (FRAME_ANCESTORS) the
 * cookie is third-party: it must be `SameSite=None` to be sent at all, which needs
 * `Secure`, and `Partitioned` keeps it to that marketplace's pages (and lets browsers
 * that block third-party cookies keep it). Otherwise `Lax`, Secure on https.
 */
export function sessionCookie(config: Config) {
  const framed = config.frameAncestors.length > 0;
  return {
    path: '/',
    httpOnly: true,
    sameSite: framed ? ('none' as const) : ('lax' as const),
    secure: framed || config.publicUrl.startsWith('https://'),
    ...(framed ? { partitioned: true } : {}),
  };
}

const digest = (s: string) => crypto.createHash('sha256').update(s).digest();

/** Constant time whatever the lengths: compare digests (the secret's is computed once). */
function matches(secretDigest: Buffer, candidate: string): boolean {
  return crypto.timingSafeEqual(secretDigest, digest(candidate));
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function registerAuth(app: FastifyInstance, config: Config, sessions: Sessions, clock: Clock) {
  const origin = new URL(config.publicUrl).origin;
  const platformKey = digest(config.platformApiKey);
  app.decorateRequest('viewer', null);
  app.decorateRequest('platform', false);
  app.decorateRequest('sessionToken', null);

  app.addHook('onRequest', async (req) => {
    if (!req.url.startsWith('/api/') && req.url.split('?')[0] !== '/metrics') return;
    await clock.fresh();
    const header = req.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : null;
    if (bearer) {
      if (matches(platformKey, bearer)) {
        req.platform = true;
        const onBehalfOf = req.headers[ON_BEHALF_OF];
        if (onBehalfOf !== undefined) req.viewer = await actingFor(sessions, onBehalfOf);
        return;
      }
      req.viewer = await sessions.viewer(bearer);
      if (req.viewer) req.sessionToken = bearer;
      return;
    }
    const cookie = req.cookies[SESSION_COOKIE];
    if (!cookie) return;
    const viewer = await sessions.viewer(cookie);
    if (!viewer) return;
    if (UNSAFE.has(req.method)) {
      const from = req.headers.origin ?? refererOrigin(req.headers.referer);
      if (from !== origin) throw new DomainError('csrf_failed', 'This request did not come from the Resolution Center itself.');
    }
    req.viewer = viewer;
    req.sessionToken = cookie;
  });
}

function refererOrigin(referer: string | undefined): string | undefined {
  if (!referer) return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/** The header with which the platform key acts as one person (SPEC §14). */
export const ON_BEHALF_OF = 'rc-on-behalf-of';

/**
 * The person the platform acts for, with exactly their rights: the same Viewer a session
 * of theirs would give, marked so their events say `via: "platform"`. A user who does not
 * exist, or may not sign in (disabled, erased), is the caller's mistake.
 */
async function actingFor(sessions: Sessions, header: string | string[]): Promise<Viewer> {
  const id = Array.isArray(header) ? undefined : header.trim();
  const invalid = (message: string) =>
    new DomainError('validation_failed', 'RC-On-Behalf-Of must name a user who may act.', [{ path: 'headers.rc-on-behalf-of', message }]);
  if (!id || !/^[A-Za-z0-9_-]{1,64}$/.test(id)) throw invalid('Must be one user id, matching [A-Za-z0-9_-]{1,64}');
  const viewer = await sessions.activeViewerById(id);
  if (!viewer) throw invalid('No such user, or the user is disabled');
  return { ...viewer, via: 'platform' };
}

const unauthenticated = () => new DomainError('unauthenticated', 'Log in first.');

export async function requirePerson(req: FastifyRequest, _reply: FastifyReply) {
  if (!req.viewer)
    throw req.platform ? new DomainError('forbidden', 'This endpoint is for people, not the platform key.') : unauthenticated();
}

export async function requireStaff(req: FastifyRequest, reply: FastifyReply) {
  await requirePerson(req, reply);
  if (!req.viewer?.isStaff) throw new DomainError('forbidden', 'Only the platform’s staff may do this.');
}

export async function requirePlatform(req: FastifyRequest, _reply: FastifyReply) {
  if (!req.platform) throw req.viewer ? new DomainError('forbidden', 'This endpoint needs the platform API key.') : unauthenticated();
}

export function viewerOf(req: FastifyRequest): Viewer {
  if (!req.viewer) throw unauthenticated();
  return req.viewer;
}
