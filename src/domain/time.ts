/**
 * ISO 8601 durations as calendar durations (SPEC §3: "never business days").
 * `P7D` adds seven calendar days in UTC, so a deadline is an absolute instant.
 */
const DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export interface Duration {
  years: number;
  months: number;
  days: number;
  hours: number;
  minutes: number;
  seconds: number;
}

export function parseDuration(text: string): Duration {
  const m = DURATION.exec(text);
  if (!m || text === 'P' || text.endsWith('T')) throw new Error(`Not an ISO 8601 duration: ${text}`);
  const n = (i: number) => Number(m[i] ?? 0);
  return {
    years: n(1),
    months: n(2),
    days: n(4) + 7 * n(3),
    hours: n(5),
    minutes: n(6),
    seconds: n(7),
  };
}

export function addDuration(from: Date, d: Duration): Date {
  return shift(from, d, 1);
}

export function subtractDuration(from: Date, d: Duration): Date {
  return shift(from, d, -1);
}

/**
 * Years and months first, clamped to the last day of a shorter month as every
 * calendar does (Jan 31 + P1M = Feb 28, not Mar 3), then days, then exact time.
 */
function shift(from: Date, d: Duration, sign: 1 | -1): Date {
  const t = new Date(from.getTime());
  const year = t.getUTCFullYear() + sign * d.years;
  const month = t.getUTCMonth() + sign * d.months;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  t.setUTCFullYear(year, month, Math.min(t.getUTCDate(), lastDay));
  t.setUTCDate(t.getUTCDate() + sign * d.days);
  return new Date(t.getTime() + sign * ((d.hours * 60 + d.minutes) * 60 + d.seconds) * 1000);
}
