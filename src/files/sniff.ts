/**
 * What a file is, judged from its bytes (SPEC §7): the name and the declared
 * type are never consulted. Binary formats are recognised by their signature
 * (file-type); anything without one may only be plain text, which is checked
 * over the whole file as it streams by.
 */
import { fileTypeFromBuffer } from 'file-type';

/** Bytes needed to recognise every allowed format (file-type's own sample size). */
export const SNIFF_BYTES = 4100;

export const TEXT_TYPE = 'text/plain; charset=utf-8';

const ALLOWED = new Set([
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'application/pdf',
  'video/mp4',
  'video/quicktime',
  'video/webm',
]);

/**
 * The content type of a file from its first bytes, `TEXT_TYPE` if it may be
 * plain text (to be confirmed by a `TextCheck` over all of it), or null when
 * it is not allowed.
 */
export async function sniff(head: Uint8Array): Promise<string | null> {
  const found = await fileTypeFromBuffer(head);
  if (found) return ALLOWED.has(found.mime) ? found.mime : null;
  return looksLikeMarkup(head) ? null : TEXT_TYPE;
}

/**
 * Text that opens with a tag is HTML, XML or SVG, which a browser or a viewer
 * might render and run: it is refused, not stored as "plain text". This mirrors
 * the WHATWG sniffing rule (first non-whitespace byte `<` followed by a letter, `!`, `?` or `/`).
 */
function looksLikeMarkup(head: Uint8Array): boolean {
  let i = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
  while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0c || head[i] === 0x0d)) i++;
  if (head[i] !== 0x3c) return false;
  const next = head[i + 1];
  if (next === undefined) return false;
  const letter = (next | 0x20) >= 0x61 && (next | 0x20) <= 0x7a;
  return letter || next === 0x21 || next === 0x3f || next === 0x2f;
}

/**
 * Confirms, chunk by chunk, that a file is UTF-8 text: valid UTF-8 (a
 * multi-byte character may straddle chunks) and no control characters but
 * tab, line feed, form feed and carriage return.
 */
export class TextCheck {
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });

  /** False as soon as the bytes are not plain text. */
  push(chunk: Uint8Array): boolean {
    try {
      return !CONTROL.test(this.decoder.decode(chunk, { stream: true }));
    } catch {
      return false;
    }
  }

  end(): boolean {
    try {
      this.decoder.decode();
      return true;
    } catch {
      return false;
    }
  }
}

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000e-\u001f\u007f]/;
