/**
 * Serves the built web app (web/dist) at `/` with an SPA fallback: the app's pages
 * (`/cases/case_…`, `/login?token=…`) get index.html, with the brand and sign-in mode
 * written in, or go to PLATFORM_LOGIN_URL without a session. Unknown API paths stay
 * problem+json 404s.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Sessions } from '../auth/sessions.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { SESSION_COOKIE } from '../http/auth.js';
import type { RouteModule } from '../http/kit.js';
import { ReturnTo } from '../http/schemas.js';
import { escapeHtml } from '../notifications/format.js';
import { type BrandView, brandView } from './brand.js';

export const DEFAULT_WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

const MISSING = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Resolution Center</title></head>
<body><main><h1>The web app is not built</h1><p>Run <code>npm run build:web</code> (npm start does it for you).</p></main></body></html>`;

/**
 * The app's own paths (web/src/main.tsx), and nothing under /api: the API's router,
 * its refusals and its problem+json 404s stay exactly as they are.
 */
const APP_PATHS = [
  '/',
  '/login',
  '/orders',
  '/orders/*',
  '/cases',
  '/cases/*',
  '/credits',
  '/inbox',
  '/insights',
  '/settings',
  '/queue',
  '/replies',
  '/dev/*',
];

export function webApp(root: string = DEFAULT_WEB_ROOT): RouteModule {
  return async (app, s) => {
    const built = fs.existsSync(path.join(root, 'index.html'));
    if (built)
      await app.register(fastifyStatic, {
        root,
        // Files are registered one by one at start; the pages below serve index.html.
        wildcard: false,
        index: false,
        setHeaders(reply, file) {
          // Vite puts a content hash in every asset name: they never change, so cache them for good.
          void reply.header(
            'cache-control',
            file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
          );
        },
      });

    // Read once: every page is this file with the app's configuration in it.
    const html = withConfig(built ? fs.readFileSync(path.join(root, 'index.html'), 'utf8') : MISSING, s.config);
    const page = async (req: FastifyRequest, reply: FastifyReply) => {
      void reply.header('cache-control', 'no-cache');
      const signIn = s.config.platformLoginUrl ? await externalSignIn(req, s.sessions, s.clock, s.config.platformLoginUrl) : null;
      if (signIn) return reply.redirect(signIn, 302);
      return reply.type('text/html; charset=utf-8').send(html);
    };
    for (const url of APP_PATHS) app.get(url, { schema: { hide: true } }, page);
  };
}

/** What the app needs to know before its first request: the brand, and whether sign-in is the marketplace's. */
interface AppConfig {
  brand: BrandView;
  externalSignIn: boolean;
}

function appConfig(config: Config): AppConfig {
  return { brand: brandView(config), externalSignIn: config.platformLoginUrl !== null };
}

/**
 * The page's title becomes the brand's name and the configuration follows it as a JSON
 * data block: the CSP allows no inline script, but a data block is never run. `<` is
 * escaped so no value can close the element.
 */
function withConfig(html: string, config: Config): string {
  const json = JSON.stringify(appConfig(config)).replace(/</g, '\\u003c');
  const title = `<title>${escapeHtml(config.brand.name)}</title><script type="application/json" id="rc-config">${json}</script>`;
  return /<title>[^<]*<\/title>/.test(html) ? html.replace(/<title>[^<]*<\/title>/, () => title) : title + html;
}

/**
 * With PLATFORM_LOGIN_URL, a page visit without a session goes to the marketplace to sign
 * in, with `return_to` the page asked for (SPEC §14). Only a browser's page request
 * (Accept: text/html) is redirected; a login link (`/login?token=…`) signs in here. For
 * `/login?next=…` the marketplace is asked to return to `next`, not to the login page.
 */
async function externalSignIn(req: FastifyRequest, sessions: Sessions, clock: Clock, loginUrl: string): Promise<string | null> {
  if (!(req.headers.accept ?? '').includes('text/html')) return null;
  const visit = new URL(req.url, 'http://x');
  if (visit.pathname === '/login' && visit.searchParams.has('token')) return null;
  const cookie = req.cookies[SESSION_COOKIE];
  if (cookie) {
    await clock.fresh();
    if (await sessions.viewer(cookie)) return null;
  }
  const wanted = visit.pathname === '/login' ? visit.searchParams.get('next') : visit.pathname + visit.search;
  // The marketplace will hand it back as a login link's `returnTo`: only what that accepts.
  const returnTo = wanted && ReturnTo.safeParse(wanted).success ? wanted : '/';
  const to = new URL(loginUrl);
  to.searchParams.set('return_to', returnTo);
  return to.toString();
}
