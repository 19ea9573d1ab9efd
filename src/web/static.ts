/**
 * Serves the built web app (web/dist) at `/` with an SPA fallback: the app's pages
 * (`/cases/case_…`, `/login?token=…`) get index.html. Unknown API paths stay
 * problem+json 404s.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyReply } from 'fastify';
import type { RouteModule } from '../http/kit.js';

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
  return async (app) => {
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

    const page = (_req: unknown, reply: FastifyReply) => {
      void reply.header('cache-control', 'no-cache');
      if (!built) return reply.type('text/html; charset=utf-8').send(MISSING);
      return reply.sendFile('index.html', root);
    };
    for (const url of APP_PATHS) app.get(url, { schema: { hide: true } }, page);
  };
}
