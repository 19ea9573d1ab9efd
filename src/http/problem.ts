/** One error mapper (ARCHITECTURE "http/"): everything becomes application/problem+json with a stable code. */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { DomainError, ERROR_STATUS, type ErrorCode, RateLimited } from '../domain/errors.js';

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  416: 'Range not satisfiable',
  422: 'Unprocessable content',
  431: 'Request header fields too large',
  429: 'Too many requests',
  500: 'Internal server error',
  503: 'Service unavailable',
};

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  errors?: { path: string; message: string }[];
}

/**
 * The status comes from ERROR_STATUS; `status` overrides it only for `bad_request`, which keeps
 * the 4xx Fastify reported for a refusal of its own.
 */
export function problem(
  code: ErrorCode,
  detail: string,
  errors?: ProblemBody['errors'],
  status: number = ERROR_STATUS[code].status,
): ProblemBody {
  return {
    type: `https://resolution-center.dev/problems/${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    code,
    detail,
    ...(errors ? { errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').serializer(JSON.stringify).send(body);
}

/** Fastify's own error codes that are the caller's fault, with our stable codes. */
const FASTIFY_CODES: Record<string, [ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ['payload_too_large', 'The request body is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ['unsupported_media_type', 'Send JSON (application/json).'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: ['validation_failed', 'The Content-Length does not match the body.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: ['invalid_json', 'The body is empty but declared as JSON.'],
  FST_ERR_CTP_INVALID_JSON_BODY: ['invalid_json', 'The body is not valid JSON.'],
  FST_ERR_CTP_EMPTY_TYPE: ['unsupported_media_type', 'The Content-Type is missing.'],
  FST_ERR_CTP_INVALID_TYPE: ['unsupported_media_type', 'The Content-Type is not valid.'],
  FST_ERR_MAX_PARAM_LENGTH: ['validation_failed', 'A path parameter is too long.'],
  FST_ERR_BAD_URL: ['validation_failed', 'The URL is not valid.'],
  FST_ERR_ASYNC_CONSTRAINT: ['validation_failed', 'The request could not be routed.'],
};

/**
 * An error answer sets no cookie. Cookies set before the error are serialised only while
 * sending (by @fastify/cookie's onSend hook): one that cannot be (an expiry no cookie can
 * carry) would fail again on the problem's own send, and Fastify would then answer with
 * its bare fallback, internals included. The plugin keeps them under a private symbol.
 */
function dropPendingCookies(reply: FastifyReply): void {
  const key = Object.getOwnPropertySymbols(reply).find((k) => k.description === 'fastify.reply.setCookies');
  const pending: unknown = key ? (reply as unknown as Record<symbol, unknown>)[key] : undefined;
  if (pending instanceof Map) pending.clear();
  void reply.removeHeader('set-cookie');
}

export function errorHandler(err: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  dropPendingCookies(reply);
  if (err instanceof DomainError) {
    if (err instanceof RateLimited) void reply.header('retry-after', String(err.retryAfterSeconds));
    else if (err.status === 429 && !reply.hasHeader('retry-after')) void reply.header('retry-after', '60');
    return sendProblem(reply, problem(err.code, err.message, err.errors));
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = err.validationContext === 'body' || !err.validationContext ? '' : `${err.validationContext}.`;
    const errors = err.validation.flatMap((v) => {
      const at = where + v.instancePath.replace(/^\//, '').replaceAll('/', '.');
      // An unknown field is named in its own path, so the caller sees which one to remove.
      const keys = v.keyword === 'unrecognized_keys' ? (v.params as { keys?: unknown }).keys : undefined;
      if (Array.isArray(keys))
        return keys.map((k) => ({ path: `${at.endsWith('.') || at === '' ? at : `${at}.`}${String(k)}`, message: 'Unknown parameter' }));
      return [{ path: at.replace(/\.$/, ''), message: v.message ?? 'Invalid' }];
    });
    return sendProblem(reply, problem('validation_failed', 'The request is not valid.', errors));
  }
  const known = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (known) return sendProblem(reply, problem(known[0], known[1]));
  if (err instanceof SyntaxError || (err.statusCode === 400 && /JSON/i.test(err.message)))
    return sendProblem(reply, problem('invalid_json', 'The body is not valid JSON.'));
  if (err.statusCode === 429) {
    return sendProblem(reply, problem('rate_limited', 'Too many requests: slow down and retry later.'));
  }
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    return sendProblem(reply, problem('bad_request', 'The request could not be understood.', undefined, err.statusCode));
  req.log.error({ err }, 'unhandled error');
  return sendProblem(reply, problem('internal_error', `Something went wrong on our side. Request id: ${req.id}`));
}
