/**
 * The OpenAPI document (SPEC §14): what @fastify/swagger makes from the routes' zod
 * schemas, completed with what applies to every operation: an `operationId`, the
 * problem+json error answers, the `Idempotency-Key` header, the upload's multipart body,
 * and the webhook payloads. Done once, here, so a new route cannot forget any of it.
 */
import type { OpenAPIV3_1 } from 'openapi-types';
import { ERROR_CODES, ERROR_STATUS } from '../domain/errors.js';
import { WEBHOOK_EVENTS } from '../notifications/webhooks.js';

type Doc = OpenAPIV3_1.Document;
type Operation = OpenAPIV3_1.OperationObject;

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** POSTs whose `Idempotency-Key` is ignored: their answer is a secret, or the sender has its own ids (SPEC §14, §15). */
const NO_IDEMPOTENCY = [/^\/api\/v1\/session$/, /^\/api\/v1\/platform\/login-links$/, /^\/api\/v1\/providers\//];

const PROBLEM_REF = { $ref: '#/components/schemas/Problem' };

const ERRORS: Record<string, string> = {
  '400': 'The request is not valid (`validation_failed`, with `errors`), or a rule refused it',
  '401': 'Not authenticated (`unauthenticated`)',
  '403': 'Authenticated, but not allowed (`forbidden`, `csrf_failed`)',
  '404': 'Not found, or not visible to the caller (`not_found`)',
  '409': 'The state changed, or the action is not available now (`conflict`, …)',
  '413': 'Too large (`payload_too_large`, `file_too_large`, `upload_quota_exceeded`)',
  '422': 'The Idempotency-Key was used with another body (`idempotency_key_reused`)',
  '429': 'Too many requests (`rate_limited`); see `Retry-After`',
};

/** ERROR_STATUS as a Markdown table (code, status, meaning): the document's and docs/errors.md's. */
export function errorTable(): string {
  const rows = ERROR_CODES.map((code) => `| \`${code}\` | ${ERROR_STATUS[code].status} | ${ERROR_STATUS[code].meaning} |`);
  return ['| Code | Status | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}

/** `GET /api/v1/platform/cases/{id}` → `getPlatformCasesById`: stable, unique, readable. */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v1/, '')
    .split('/')
    .filter(Boolean)
    .map((seg) => (seg.startsWith('{') ? `by-${seg.slice(1, -1)}` : seg))
    .flatMap((seg) => seg.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  const camel = words.map((w) => w[0]?.toUpperCase() + w.slice(1)).join('');
  return method.toLowerCase() + (camel || 'Root');
}

function problemResponse(description: string): OpenAPIV3_1.ResponseObject {
  return { description, content: { 'application/problem+json': { schema: PROBLEM_REF } } };
}

function complete(path: string, method: string, op: Operation): void {
  op.operationId ??= operationIdOf(method, path);
  op.summary ??= op.operationId;
  // No security requirement means anyone may call it: said explicitly.
  op.security ??= [];
  const responses = (op.responses ??= {});
  // Error answers the route declared as JSON are problem+json; the usual ones are declared everywhere.
  for (const [status, r] of Object.entries(responses))
    if (Number(status) >= 400 && !('$ref' in r)) responses[status] = problemResponse(r.description || ERRORS[status] || 'Error');
  const wanted = ['400'];
  if (op.security?.length) wanted.push('401', '403');
  if (path.includes('{')) wanted.push('404');
  if (method === 'post') wanted.push('429');
  for (const status of wanted) responses[status] ??= problemResponse(ERRORS[status] ?? 'Error');
  if (method === 'post' && !NO_IDEMPOTENCY.some((re) => re.test(path))) {
    responses['422'] ??= problemResponse(ERRORS['422'] as string);
    (op.parameters ??= []).push({ $ref: '#/components/parameters/IdempotencyKey' });
  }
  if (path === '/api/v1/uploads' && method === 'post') {
    responses['413'] ??= problemResponse(ERRORS['413'] as string);
    op.requestBody = {
      required: true,
      content: {
        'multipart/form-data': {
          schema: {
            type: 'object',
            required: ['file'],
            properties: { file: { type: 'string', format: 'binary', description: 'The one evidence file' } },
          },
        },
      },
    };
  }
}

const TAGS: Record<string, string> = {
  platform: 'The marketplace’s server-to-server API: the platform key',
  session: 'Signing in and out',
  customer: 'A customer’s payments and credit',
  cases: 'Cases and their actions',
  staff: 'The platform’s staff',
  merchant: 'Merchants’ tools',
  files: 'Evidence files',
  evidence: 'System evidence and the case file',
  providers: 'Payment providers’ events, authenticated by their signatures',
  development: 'Only while the movable clock or the local mailbox is on; never in production',
  operations: 'Liveness and readiness',
};

/** The finished document, from the one @fastify/swagger made (left unchanged). */
export function describeApi(generated: unknown, publicUrl: string): Doc {
  const doc = structuredClone(generated) as Doc;
  doc.openapi = '3.1.0';
  doc.servers = [{ url: publicUrl, description: 'This service (PUBLIC_URL)' }];
  doc.info.license = { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' };
  doc.info.description = `${doc.info.description ?? ''}\n\n## Error codes\n\n${errorTable()}`;
  const used = new Set<string>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    // HEAD answers as GET does, without the body: documented once, as the GET.
    if (item) delete item.head;
    for (const method of METHODS) {
      const op = item?.[method];
      if (!op) continue;
      complete(path, method, op);
      for (const t of op.tags ?? []) used.add(t);
    }
  }
  doc.tags = [...used].sort().map((name) => ({ name, description: TAGS[name] ?? name }));
  const components = (doc.components ??= {});
  components.parameters = {
    ...components.parameters,
    IdempotencyKey: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description: 'A repeat with the same key and body within 24 hours returns the first answer without acting twice',
      schema: { type: 'string', minLength: 1, maxLength: 255 },
    },
  };
  const signature: OpenAPIV3_1.HeaderObject = {
    required: true,
    description:
      't=<unix seconds, real time>,v1=<hex HMAC-SHA256(secret, t + "." + body)>; during a rotation overlap a second v1 (the old secret)',
    schema: { type: 'string' },
  };
  doc.webhooks = Object.fromEntries(
    [...WEBHOOK_EVENTS, 'ping'].map((type) => [
      type,
      {
        post: {
          operationId: `webhook${operationIdOf('', `/${type}`)}`,
          // Authenticated by the RC-Signature header, not by a scheme OpenAPI can name.
          security: [],
          summary: type === 'ping' ? 'The test ping of POST …/webhook-endpoints/{id}/test' : `The ${type} event`,
          parameters: [
            { name: 'RC-Signature', in: 'header', ...signature },
            { name: 'RC-Event-Id', in: 'header', required: true, schema: { type: 'string' }, description: 'De-duplicate on it' },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: {
                  $ref: `#/components/schemas/${type === 'ping' ? 'PingEvent' : type.startsWith('dispute.') ? 'DisputeEvent' : 'CaseEvent'}`,
                },
              },
            },
          },
          responses: {
            '200': { description: 'Any 2xx: delivered' },
            '400': { description: 'Any 4xx but 408 and 429: the delivery is dead at once' },
          },
        },
      },
    ]),
  );
  addDiscriminators(doc);
  pruneUnused(doc);
  return doc;
}

/**
 * zod's discriminated unions come out as a bare `oneOf`; a union whose members each fix
 * `type` to a constant gets the `discriminator` that lets generators and validators pick
 * the member by it.
 */
function addDiscriminators(doc: Doc): void {
  const schemas = doc.components?.schemas ?? {};
  const target = (ref: string) => schemas[ref.replace('#/components/schemas/', '')];
  for (const schema of Object.values<OpenAPIV3_1.SchemaObject>(schemas)) {
    const members = schema.oneOf;
    if (!members?.length || !members.every((m) => '$ref' in m)) continue;
    const mapping: Record<string, string> = {};
    for (const m of members) {
      const type = (target(m.$ref)?.properties?.type as { const?: unknown } | undefined)?.const;
      if (typeof type !== 'string') break;
      mapping[type] = m.$ref;
    }
    if (Object.keys(mapping).length === members.length) schema.discriminator = { propertyName: 'type', mapping };
  }
}

/**
 * Drops the component schemas nothing refers to: each named schema exists in an input
 * and an output form, and most are used in only one of them.
 */
function pruneUnused(doc: Doc): void {
  const schemas = doc.components?.schemas;
  if (!schemas) return;
  const refsIn = (value: unknown): string[] => JSON.stringify(value).match(/#\/components\/schemas\/[^"]+/g) ?? [];
  const { schemas: _, ...rest } = doc.components ?? {};
  const keep = new Set<string>();
  const queue = refsIn({ ...doc, components: rest });
  while (queue.length) {
    const name = (queue.pop() as string).slice('#/components/schemas/'.length);
    if (keep.has(name)) continue;
    keep.add(name);
    queue.push(...refsIn(schemas[name]));
  }
  for (const name of Object.keys(schemas)) if (!keep.has(name)) delete schemas[name];
}
