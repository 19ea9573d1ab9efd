/**
 * Serves the built web app (web/dist) at `/` with an SPA fallback: any GET that is
 * not an API route and not a file gets index.html, so `/cases/case_…` and
 * `/login?token=…` load the app. Unknown API paths stay problem+json 404s.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import { problem, sendProblem } from '../http/problem.js';
import type { RouteModule } from '../http/server.js';

export const DEFAULT_WEB_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../web/dist');

const MISSING = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Resolution Center</title></head>
<body><main><h1>The web app is not built</h1><p>Run <code>npm run build:web</code> (npm start does it for you).</p></main></body></html>`;

export function webApp(root: string = DEFAULT_WEB_ROOT): RouteModule {
  return async (app) => {
    const built = fs.existsSync(path.join(root, 'index.html'));
    if (built)
      await app.register(fastifyStatic, {
        root,
        // Files are registered one by one at start; everything else falls through to the SPA route below.
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

    app.get('/*', { schema: { hide: true } }, (req, reply) => {
      const pathname = req.url.split('?')[0] ?? '/';
      if (pathname.startsWith('/api/') || path.extname(pathname) !== '')
        return sendProblem(reply, problem(404, 'not_found', `No route ${req.method} ${pathname}.`));
      void reply.header('cache-control', 'no-cache');
      if (!built) return reply.type('text/html; charset=utf-8').send(MISSING);
      return reply.sendFile('index.html', root);
    });
  };
}
