/** The Fastify application: plugins, error mapping, auth, idempotency, routes. */
import crypto from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController } from 'fastify';
import {
  type ZodTypeProvider,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { Logger } from 'pino';
import helmet, { type HelmetOptions } from 'helmet';
import { z } from 'zod';
import type { Services } from '../services.js';
import { timelineJson } from '../cases/timeline-cache.js';
import { DomainError } from '../domain/errors.js';
import { pendingMigrations } from '../db/database.js';
import { registerMetrics } from '../ops/metrics.js';
import { registerAuth } from './auth.js';
import { rateLimitStore } from './counters.js';
import { registerIdempotency } from './idempotency.js';
import { describeApi } from './openapi.js';
import { errorHandler, problem, sendProblem } from './problem.js';
import { type FastifyZod, type RouteModule } from './kit.js';
import { registerApiRoutes } from './routes/index.js';

/** Builds the server with every API route, then `modules` (tests' extra routes, the web app). */
export async function buildServer(s: Services, log: Logger, modules: RouteModule[] = []): Promise<FastifyZod> {
  const app = Fastify({
    loggerInstance: log,
    bodyLimit: 1024 * 1024,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : crypto.randomUUID();
    },
    // X-Forwarded-For only from the proxies TRUST_PROXY names (SPEC §15); by default the socket's address.
    trustProxy: trustFunction(s.config.trustProxy),
    // One line per request, written in onResponse below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    // Router-level refusals (over-long or malformed paths) go through the same problem+json mapper.
    frameworkErrors: (err, req, reply) => void errorHandler(err, req, reply),
    // Requests Node's parser refuses (headers too large, malformed) still get problem+json.
    clientErrorHandler: (err: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return;
      const answer = problem(
        err.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'bad_request',
        'The HTTP request could not be read.',
      );
      const { status } = answer;
      const body = JSON.stringify(answer);
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
          `Content-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    },
    return503OnClosing: true,
  }).withTypeProvider<ZodTypeProvider>() as unknown as FastifyZod;

  // Every API route, for the access-matrix test: a route without a matrix entry fails it.
  const routes: { method: string; url: string }[] = [];
  app.decorate('apiRoutes', routes);
  app.addHook('onRoute', (r) => {
    strictQuery(r.schema);
    if (!r.url.startsWith('/api/') || r.url === '/api/v1/openapi.json') return;
    for (const method of [r.method].flat()) if (method !== 'HEAD') routes.push({ method, url: r.url });
  });

  app.setValidatorCompiler(validatorCompiler);
  // Responses are checked against their schema in tests; in service they are serialised directly.
  app.setSerializerCompiler(s.config.validateResponses ? serializerCompiler : () => serialize);
  app.setErrorHandler(errorHandler);
  // The API speaks JSON; plain text bodies are refused (415) rather than fed to the schemas.
  app.removeContentTypeParser('text/plain');
  app.setNotFoundHandler((req, reply) => sendProblem(reply, problem('not_found', `No route ${req.method} ${req.url.split('?')[0]}.`)));
  app.addHook('onSend', async (_req, reply, payload) => {
    void reply.header('x-request-id', reply.request.id);
    return payload;
  });
  app.addHook('onResponse', async (req, reply) => {
    req.log.info(
      { method: req.method, url: req.url.split('?')[0], status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 },
      'request',
    );
  });

  // The same security headers on every answer; a route may override one (downloads set their own CSP).
  const { frameAncestors, brand } = s.config;
  const security = securityHeaders({
    // The SPA's CSP: scripts and styles only from this origin; images and media may be blob: previews.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:', ...(brand.logoUrl ? [new URL(brand.logoUrl).origin] : [])],
        mediaSrc: ["'self'", 'blob:'],
        objectSrc: ["'none'"],
        frameSrc: ["'self'", 'blob:'],
        // Framing only by the marketplace's pages FRAME_ANCESTORS names (SPEC §14).
        frameAncestors: frameAncestors.length ? frameAncestors : ["'none'"],
        upgradeInsecureRequests: null,
      },
    },
    // X-Frame-Options cannot name an origin; with frame-ancestors set, browsers follow the CSP alone.
    ...(frameAncestors.length ? { xFrameOptions: false } : {}),
    strictTransportSecurity: s.config.publicUrl.startsWith('https://') ? { maxAge: 31536000, includeSubDomains: true } : false,
  });
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.headers(security);
    done();
  });
  await app.register(fastifyCookie, { secret: s.config.sessionSecret });
  await app.register(fastifyRateLimit, {
    global: false,
    store: rateLimitStore(s.counters, s.clock),
    errorResponseBuilder: (_req, ctx) =>
      new DomainError('rate_limited', `Too many requests: retry in ${Math.ceil(ctx.ttl / 1000)} seconds.`),
  });
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Resolution Center API',
        version: '1.0.0',
        description:
          'Cases between customers and merchants, decided by staff when they do not settle. Errors are application/problem+json with a stable `code`.',
      },
      components: {
        securitySchemes: {
          platformKey: { type: 'http', scheme: 'bearer', description: 'PLATFORM_API_KEY' },
          session: { type: 'http', scheme: 'bearer', description: 'A session token from POST /api/v1/session' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'rc_session' },
        },
      },
    },
    transform: jsonSchemaTransform,
    // Schemas with a `meta({ id })` become named components, referenced where they are used.
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });

  registerAuth(app, s.config, s.sessions, s.clock);
  registerMetrics(app, s.db, s.clock);
  registerIdempotency(app, s.db, s.clock);

  let described: ReturnType<typeof describeApi> | undefined;
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, () => (described ??= describeApi(app.swagger(), s.config.publicUrl)));
  app.get('/healthz', { schema: { tags: ['operations'], response: { 200: z.object({ ok: z.boolean() }) } } }, () => ({ ok: true }));
  app.get('/readyz', { schema: { tags: ['operations'] } }, async (_req, reply) => {
    try {
      const pending = await pendingMigrations(s.db);
      if (pending > 0) return sendProblem(reply, problem('not_ready', `${pending} migrations are not applied.`));
      return { ok: true };
    } catch {
      return sendProblem(reply, problem('not_ready', 'The database is not reachable.'));
    }
  });

  await registerApiRoutes(app, s);
  for (const m of modules) await m(app, s);
  return app;
}

/**
 * An unknown query parameter is a mistake the caller should hear about (SPEC §14): a
 * misspelt filter would otherwise widen the list silently. Made strict here, once, so
 * no list route can forget it.
 */
function strictQuery(schema: { querystring?: unknown } | undefined): void {
  if (schema?.querystring instanceof z.ZodObject) schema.querystring = schema.querystring.strict();
}

/**
 * TRUST_PROXY as Fastify takes it. A hop count becomes "trust the socket and the next
 * n−1 hops" (Fastify treats a bare number as trusting nothing); a list of proxy
 * addresses and CIDRs is passed on. Never `true`: that would let a client pick its address.
 */
function trustFunction(trust: number | string[] | false): string[] | false | ((address: string, hop: number) => boolean) {
  if (typeof trust === 'number') return trust > 0 ? (_address, hop) => hop < trust : false;
  return trust;
}

/**
 * JSON.stringify, except that a case's timeline is spliced in from the JSON its
 * timeline cache (cases/timeline-cache.ts) keeps per last seq: serialising the events was 15 % of a case read's CPU.
 */
function serialize(data: unknown): string {
  const timeline = typeof data === 'object' && data !== null ? (data as { timeline?: unknown }).timeline : undefined;
  const json = timeline === undefined ? undefined : timelineJson(timeline);
  if (json === undefined) return JSON.stringify(data);
  const rest = JSON.stringify({ ...(data as object), timeline: undefined });
  return rest === '{}' ? `{"timeline":${json}}` : `${rest.slice(0, -1)},"timeline":${json}}`;
}

/**
 * helmet's headers, computed once. They do not depend on the request, but
 * `@fastify/helmet` rebuilt helmet's middleware (parsing the CSP directives) on every
 * request: 7 % of a case read's CPU. helmet still decides what the headers are.
 */
function securityHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string | number) => void (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  helmet(options)({} as never, res as never, () => undefined);
  return headers;
}
