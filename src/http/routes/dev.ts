/**
 * Development helpers for the web app, outside production only: the demo sign-in
 * list and the time machine. Each answers 404 when its feature is off, the same
 * answer as a route that does not exist.
 */
import { z } from 'zod';
import type { Services } from '../../services.js';
import { DomainError, validation } from '../../domain/errors.js';
import { addDuration, parseDuration } from '../../domain/time.js';
import { DEMO_PASSWORD, DEMO_USERS } from '../../seed/demo.js';
import { requirePerson } from '../auth.js';
import { ClockBody } from '../schemas.js';
import { type FastifyZod, PERSON, type RouteModule } from '../kit.js';

const notFound = () => new DomainError('not_found', 'Not found.');

export const DemoUsers = z.object({
  password: z.string(),
  data: z.array(z.object({ id: z.string(), name: z.string(), email: z.string(), role: z.string() })),
});
export const DevClock = z.object({ now: z.string() });

const ONE_YEAR = parseDuration('P1Y');
const TEN_YEARS = parseDuration('P10Y');

/**
 * The movable clock's one implementation, for the platform's endpoint and the people's
 * (SPEC §15): at most P1Y per call and never more than P10Y ahead of the real time, so
 * no date the service computes from it (deadlines, session expiries) leaves the range
 * every part can store and send. Then it runs everything that came due.
 */
export async function advanceClock(s: Services, advance: string): Promise<{ now: string }> {
  if (!s.clock.movable) throw notFound();
  const from = s.clock.now();
  const to = addDuration(from, parseDuration(advance));
  // NaN (a duration too long for a date) fails both comparisons, so it is refused too.
  if (!(to.getTime() <= addDuration(from, ONE_YEAR).getTime())) throw validation('advance', 'At most P1Y per call');
  const real = s.clock.real();
  const maxOffset = addDuration(real, TEN_YEARS).getTime() - real.getTime();
  const moved = await s.clock.advance(to.getTime() - from.getTime(), maxOffset);
  if (!moved) throw validation('advance', 'The clock may not run more than P10Y ahead of the real time');
  await s.jobs.runDue();
  return { now: s.clock.now().toISOString() };
}

export const devRoutes: RouteModule = (app: FastifyZod, s: Services) => {
  const tags = ['development'];

  app.get('/api/v1/dev/demo-users', {
    schema: { tags, summary: 'The demo users, for one-click sign-in (only while the demo seed is on)', response: { 200: DemoUsers } },
    handler: async () => {
      if (s.config.production || !s.config.demoSeed) throw notFound();
      return { password: DEMO_PASSWORD, data: DEMO_USERS.map(({ id, name, email, role }) => ({ id, name, email, role })) };
    },
  });

  app.get('/api/v1/dev/clock', {
    preHandler: requirePerson,
    schema: {
      tags,
      security: PERSON,
      summary: 'The service’s current time (only while the movable clock is on)',
      response: { 200: DevClock },
    },
    handler: async () => {
      if (!s.clock.movable) throw notFound();
      return { now: s.clock.now().toISOString() };
    },
  });

  // The same as the platform's clock endpoint, for any logged-in person: the web app's time machine.
  app.post('/api/v1/dev/clock', {
    preHandler: requirePerson,
    schema: {
      tags,
      security: PERSON,
      summary: 'Move the clock forward, then run everything due (only while the movable clock is on)',
      body: ClockBody,
      response: { 200: DevClock },
    },
    handler: async (req) => advanceClock(s, req.body.advance),
  });
};
