/** Sessions, who-am-I, orders and credits (SPEC §9, person rows). */
import { z } from 'zod';
import type { Services } from '../../services.js';
import { SESSION_COOKIE, requirePerson, sessionCookie, viewerOf } from '../auth.js';
import { type FastifyZod, PERSON } from '../kit.js';
import { Credits, Me, Order, OrderListQuery, Page, SessionAnswer, SessionBody } from '../schemas.js';
import { DomainError } from '../../domain/errors.js';
import type { Viewer } from '../../cases/access.js';

export function peopleRoutes(app: FastifyZod, s: Services) {
  const security = PERSON;
  const cookie = sessionCookie(s.config);

  async function me(v: Viewer) {
    const merchants = v.merchantIds.length
      ? await s.db.selectFrom('merchants').select(['id', 'name']).where('id', 'in', v.merchantIds).orderBy('name').execute()
      : [];
    return {
      user: { id: v.userId, email: v.email, name: v.name, isStaff: v.isStaff, timeZone: v.timeZone },
      merchants,
      isStaff: v.isStaff,
    };
  }

  app.post('/api/v1/session', {
    // Per client address (TRUST_PROXY decides what that is); the per-account limit is in Sessions.
    // The answer is a secret: never stored for replay (SPEC §15).
    config: { rateLimit: { max: s.config.rateLimits.login, timeWindow: '1 minute' }, idempotency: 'ignored' },
    schema: {
      tags: ['session'],
      summary: 'Log in with email and password, or with a one-use login token',
      body: SessionBody,
      response: { 200: SessionAnswer },
    },
    handler: async (req, reply) => {
      const body = req.body;
      const session =
        'loginToken' in body
          ? await s.sessions.loginWithToken(body.loginToken)
          : await s.sessions.loginWithPassword(body.email, body.password);
      const viewer = await s.sessions.viewerById(session.userId);
      if (!viewer) throw new DomainError('invalid_credentials', 'The account no longer exists.');
      // A fresh token on every login: a session fixed before login is never reused.
      void reply.setCookie(SESSION_COOKIE, session.token, { ...cookie, expires: new Date(session.expiresAt) });
      return { token: session.token, expiresAt: session.expiresAt, user: (await me(viewer)).user };
    },
  });

  app.delete('/api/v1/session', {
    preHandler: requirePerson,
    schema: { tags: ['session'], security, summary: 'Log out: the session stops working everywhere', response: { 204: z.null() } },
    handler: async (req, reply) => {
      if (req.sessionToken) await s.sessions.logout(req.sessionToken);
      void reply.clearCookie(SESSION_COOKIE, cookie);
      return reply.code(204).send(null);
    },
  });

  app.get('/api/v1/me', {
    preHandler: requirePerson,
    schema: { tags: ['session'], security, summary: 'Who am I', response: { 200: Me } },
    handler: async (req) => me(viewerOf(req)),
  });

  app.get('/api/v1/orders', {
    preHandler: requirePerson,
    schema: {
      tags: ['customer'],
      security,
      summary: 'My payments, newest first, each with whether a case can be opened and why not',
      querystring: OrderListQuery,
      response: { 200: Page(Order) },
    },
    handler: async (req) => s.paymentReads.orders(viewerOf(req), s.clock.now(), req.query),
  });

  app.get('/api/v1/credits', {
    preHandler: requirePerson,
    schema: { tags: ['customer'], security, summary: 'My platform credit: balances per currency and entries', response: { 200: Credits } },
    handler: async (req) => s.paymentReads.credits(viewerOf(req)),
  });
}
