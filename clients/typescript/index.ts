/**
 * A typed client for the Resolution Center API: types generated from its OpenAPI
 * document by openapi-typescript (`schema.ts`, `npm run openapi`), calls through
 * openapi-fetch. Every path, body and answer is checked by the compiler.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from './schema.js';

export type { components, paths, webhooks } from './schema.js';
export { verifyWebhook } from './webhooks.js';

export interface ClientOptions {
  /** The service's PUBLIC_URL, e.g. https://resolution.example.com */
  baseUrl: string;
  /** PLATFORM_API_KEY */
  apiKey: string;
  /** Another fetch (tests, proxies). */
  fetch?: typeof fetch;
}

export type ResolutionCenter = Client<paths>;

function client(o: ClientOptions, headers: Record<string, string>): ResolutionCenter {
  return createClient<paths>({
    baseUrl: o.baseUrl.replace(/\/$/, ''),
    headers: { authorization: `Bearer ${o.apiKey}`, ...headers },
    ...(o.fetch ? { fetch: o.fetch } : {}),
  });
}

/** The marketplace's own calls: sync, search, webhooks, events. */
export function platformClient(o: ClientOptions): ResolutionCenter {
  return client(o, {});
}

/** Calls as one person (`RC-On-Behalf-Of`), with exactly that person's rights. */
export function personClient(o: ClientOptions & { userId: string }): ResolutionCenter {
  return client(o, { 'rc-on-behalf-of': o.userId });
}

/** Uploads one evidence file (multipart/form-data); attach its `id` to an action within 24 hours. */
export async function uploadFile(rc: ResolutionCenter, file: Blob, filename: string) {
  return rc.POST('/api/v1/uploads', {
    // The document types the part as a string; the body is built here from the Blob.
    body: { file: filename },
    bodySerializer: () => {
      const form = new FormData();
      form.append('file', file, filename);
      return form;
    },
  });
}
