/** SPEC §9: one table from error code to status, and the two places that print it. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DomainError, ERROR_STATUS, RateLimited, notFound } from '../src/domain/errors.js';
import { problem } from '../src/http/problem.js';

describe('ERROR_STATUS', () => {
  it('gives DomainError and problem+json their status', () => {
    expect(new DomainError('file_too_large', 'x').status).toBe(413);
    expect(new DomainError('conflict_of_interest', 'x').status).toBe(403);
    expect(new DomainError('payment_refunded', 'x').status).toBe(409);
    expect(notFound().status).toBe(404);
    expect(new RateLimited(5).status).toBe(429);
    expect(problem('not_ready', 'x').status).toBe(503);
    // The one override: Fastify's own 4xx refusals keep their status.
    expect(problem('bad_request', 'x', undefined, 405).status).toBe(405);
  });

  it('is the table docs/errors.md prints, row for row', () => {
    const rows = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8')
      .split('\n')
      .map((line) => /^\|\s*`([a-z_]+)`\s*\|\s*(\d{3})\s*\|\s*(.+?)\s*\|$/.exec(line))
      .filter((m) => m !== null)
      .map(([, code, status, meaning]) => [code, { status: Number(status), meaning }]);
    expect(Object.fromEntries(rows)).toEqual(ERROR_STATUS);
    expect(rows.map(([code]) => code)).toEqual(Object.keys(ERROR_STATUS));
  });
});
