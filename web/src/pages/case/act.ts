import { ApiError, type Case, api } from '../../api';

/** What a form does with the case once an action went through: show the answer and say so. */
export type OnActed = (next: Case, note: string) => void;

/** Acts on the case; the answer carries only the events after the page's last one, added to those it shows. */
export async function actOn(c: Case, body: Record<string, unknown>): Promise<Case> {
  const shown = c.timeline ?? [];
  const next = await api<Case>('POST', `/cases/${c.id}/actions?timelineAfter=${shown.at(-1)?.seq ?? 0}`, body);
  return { ...next, timeline: [...shown, ...(next.timeline ?? [])] };
}

/** Any failure as the ApiError the forms show: a network error has no code of its own. */
export const asApiError = (err: unknown): ApiError => (err instanceof ApiError ? err : new ApiError(0, 'error', String(err)));
