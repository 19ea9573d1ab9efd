/**
 * SPEC §14 "The API described completely": the OpenAPI document the server serves.
 * (Redocly's recommended rules run on it in `npm run check`.)
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../src/domain/errors.js';
import { useWorld } from './support/world.js';

let doc: any;
const { t } = useWorld({ people: false });
beforeAll(async () => {
  doc = (await t.api('GET', '/api/v1/openapi.json')).body;
});

const operations = () =>
  Object.entries(doc.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op })),
  );
const resolve = (ref: string) => doc.components.schemas[ref.replace('#/components/schemas/', '')];

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 with servers and a unique operationId on every operation', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toEqual([{ url: t.config.publicUrl, description: expect.any(String) }]);
    const ids = operations().map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    expect(doc.paths['/api/v1/platform/cases/{id}'].get.operationId).toBe('getPlatformCasesById');
  });

  it('declares a 4xx on every operation, every error as problem+json with the Problem schema', () => {
    for (const { path, method, op } of operations()) {
      const errors = Object.entries(op.responses).filter(([status]) => Number(status) >= 400);
      expect(
        errors.some(([s]) => s.startsWith('4')),
        `${method} ${path}`,
      ).toBe(true);
      for (const [status, r] of errors as [string, any][])
        expect(r.content, `${method} ${path} ${status}`).toEqual({
          'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } },
        });
    }
    expect(resolve('#/components/schemas/Problem').required).toEqual(expect.arrayContaining(['type', 'title', 'status', 'code', 'detail']));
  });

  it("lists every error code with its status: the Problem schema's enum and the description's table", () => {
    expect(resolve('#/components/schemas/Problem').properties.code.enum).toEqual(Object.keys(ERROR_STATUS));
    for (const [code, { status }] of Object.entries(ERROR_STATUS))
      expect(doc.info.description, code).toContain(`| \`${code}\` | ${status} |`);
  });

  it('offers Idempotency-Key on every POST but sessions, login links and provider events', () => {
    const without = [
      '/api/v1/session',
      '/api/v1/platform/login-links',
      '/api/v1/providers/stripe/webhook',
      '/api/v1/providers/paypal/webhook',
    ];
    for (const { path, op } of operations().filter((o) => o.method === 'post')) {
      const has = (op.parameters ?? []).some((p: any) => p.$ref === '#/components/parameters/IdempotencyKey');
      expect(has, path).toBe(!without.includes(path));
    }
    expect(doc.components.parameters.IdempotencyKey).toMatchObject({ name: 'Idempotency-Key', in: 'header' });
  });

  it('describes the upload body, actions as a union by type, and the limits the server keeps', () => {
    expect(doc.paths['/api/v1/uploads'].post.requestBody.content['multipart/form-data'].schema).toMatchObject({
      required: ['file'],
      properties: { file: { type: 'string', format: 'binary' } },
    });
    const action = resolve(doc.paths['/api/v1/cases/{id}/actions'].post.requestBody.content['application/json'].schema.$ref);
    expect(action.discriminator.propertyName).toBe('type');
    expect(Object.keys(action.discriminator.mapping)).toHaveLength(action.oneOf.length);
    const variants = action.oneOf.map((v: any) => resolve(v.$ref));
    const deny = variants.find((v: any) => v.properties.type.const === 'deny');
    expect(deny.required).toContain('message');
    expect(deny.properties.amount).toBeUndefined();
    const offer = variants.find((v: any) => v.properties.type.const === 'offer_partial_refund');
    expect(offer.required).toContain('amount');
    expect(offer.properties.attachmentIds.maxItems).toBe(3);
    const open = resolve(doc.paths['/api/v1/cases'].post.requestBody.content['application/json'].schema.$ref);
    expect(open.properties.attachmentIds.maxItems).toBe(3);
    expect(open.examples).toHaveLength(1);
  });

  it('names component schemas and lists each webhook payload', () => {
    const caseRef = doc.paths['/api/v1/platform/cases/{id}'].get.responses['200'].content['application/json'].schema.$ref;
    expect(caseRef).toBe('#/components/schemas/Case');
    expect(Object.keys(doc.webhooks).sort()).toEqual([
      'case.closed',
      'case.created',
      'case.decided',
      'case.updated',
      'dispute.created',
      'dispute.updated',
      'ping',
    ]);
    expect(doc.webhooks['dispute.created'].post.requestBody.content['application/json'].schema.$ref).toBe(
      '#/components/schemas/DisputeEvent',
    );
    const created = doc.webhooks['case.created'].post;
    expect(created.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/CaseEvent');
    expect(created.parameters.map((p: any) => p.name)).toEqual(['RC-Signature', 'RC-Event-Id']);
    const event = resolve('#/components/schemas/CaseEvent');
    expect(Object.keys(event.properties.data.properties)).toEqual(['case', 'previous']);
  });
});
