/**
 * The route kit: what every route module needs to declare its routes (the typed Fastify
 * instance, the OpenAPI security requirements), apart from the server that mounts them.
 */
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Services } from '../services.js';

export type FastifyZod = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

declare module 'fastify' {
  interface FastifyInstance {
    apiRoutes: { method: string; url: string }[];
  }
}

/** OpenAPI security requirements, typed for Fastify's schema. */
export const PERSON: Record<string, string[]>[] = [{ session: [] }, { sessionCookie: [] }];
export const PLATFORM: Record<string, string[]>[] = [{ platformKey: [] }];

/** Capabilities that add routes (files, mail, webhooks, the web app) register through this. */
export type RouteModule = (app: FastifyZod, s: Services) => void | Promise<void>;
