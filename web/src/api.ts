/**
 * The app's only door to the server: JSON over /api/v1 with the session cookie.
 * Types come from the server's zod schemas, so a change there shows up here.
 */
import type { z } from 'zod';
import type { CaseView, Credits, EventView, Me, Order, QueueItem } from '../../src/http/schemas';
import type { DemoUsers } from '../../src/http/routes/dev';
import type { Insights } from '../../src/http/routes/insights';
import type { UploadView } from '../../src/http/routes/uploads';
import type { Mail } from '../../src/notifications/routes';

export type Case = z.infer<typeof CaseView>;
export type CaseEvent = z.infer<typeof EventView>;
export type MeAnswer = z.infer<typeof Me>;
export type OrderView = z.infer<typeof Order>;
export type QueueEntry = z.infer<typeof QueueItem>;
export type ReviewReason = NonNullable<QueueEntry['reviewReason']>;
export type CreditsView = z.infer<typeof Credits>;
export type DemoUserList = z.infer<typeof DemoUsers>;
export type InsightsView = z.infer<typeof Insights>;
export type ActionType = Case['availableActions'][number];
export type Attachment = CaseEvent['attachments'][number];
export type Upload = z.infer<typeof UploadView>;
export type Email = z.infer<typeof Mail>;

export interface FieldError {
  path: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly errors: FieldError[] = [],
  ) {
    super(message);
  }

  /** The message for one field (`errors[].path`), if the server named it. */
  field(path: string): string | undefined {
    return this.errors.find((e) => e.path === path || e.path.startsWith(`${path}.`) || e.path.startsWith(`${path}[`))?.message;
  }
}

async function toError(res: Response): Promise<ApiError> {
  try {
    const p = (await res.json()) as { code?: string; detail?: string; errors?: FieldError[] };
    return new ApiError(res.status, p.code ?? 'error', p.detail ?? res.statusText, p.errors ?? []);
  } catch {
    return new ApiError(res.status, 'error', res.status >= 500 ? 'The server had a problem. Try again in a moment.' : res.statusText);
  }
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  let res: Response;
  try {
    res = await fetch(`/api/v1${path}`, {
      method,
      credentials: 'same-origin',
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, 'network', 'Cannot reach the Resolution Center. Check your connection.');
  }
  if (!res.ok) throw await toError(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** Every page of a cursor-paginated list (up to `max` items). */
export async function all<T>(path: string, max = 1000): Promise<T[]> {
  const out: T[] = [];
  let cursor: string | null = null;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const page: { data: T[]; nextCursor: string | null } = await api(
      'GET',
      `${path}${sep}limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    out.push(...page.data);
    cursor = page.nextCursor;
  } while (cursor && out.length < max);
  return out;
}

/** Uploads one evidence file, reporting progress (fetch cannot report upload progress; XHR can). */
export function uploadFile(file: File, onProgress: (fraction: number) => void): { promise: Promise<Upload>; abort: () => void } {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<Upload>((resolve, reject) => {
    xhr.open('POST', '/api/v1/uploads');
    xhr.withCredentials = true;
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: { code?: string; detail?: string; errors?: FieldError[] } & Partial<Upload> = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // a non-JSON answer is reported by status below
      }
      if (xhr.status === 201 || xhr.status === 200) return resolve(body as Upload);
      if (xhr.status === 404 && body.code === 'not_found')
        return reject(new ApiError(404, 'uploads_unavailable', 'Evidence uploads are not available on this server yet.'));
      if (xhr.status === 413 && !body.code) return reject(new ApiError(413, 'file_too_large', 'This file is larger than the limit.'));
      reject(new ApiError(xhr.status, body.code ?? 'error', body.detail ?? 'The upload failed.', body.errors ?? []));
    };
    xhr.onerror = () => reject(new ApiError(0, 'network', 'The upload was interrupted. Check your connection and try again.'));
    xhr.onabort = () => reject(new ApiError(0, 'aborted', 'Upload cancelled.'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}

export const attachmentUrl = (caseId: string, attachmentId: string) =>
  `/api/v1/cases/${encodeURIComponent(caseId)}/attachments/${encodeURIComponent(attachmentId)}`;
