/**
 * The name a download carries (SPEC §15): its extension matches the type sniffed from
 * the bytes, so a text file named `invoice.bat` is saved as `invoice.bat.txt` and opens
 * as text, never runs. Pure, with no imports: the web app uses it for its download links.
 */

/** Extensions each allowed type may keep; the first is the one added otherwise. */
const EXTENSIONS: Record<string, readonly string[]> = {
  'image/png': ['png'],
  'image/jpeg': ['jpg', 'jpeg'],
  'image/gif': ['gif'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'video/mp4': ['mp4'],
  'video/quicktime': ['mov'],
  'video/webm': ['webm'],
  'text/plain; charset=utf-8': ['txt'],
};

export function downloadName(name: string, contentType: string): string {
  const allowed = EXTENSIONS[contentType] ?? ['bin'];
  const dot = name.lastIndexOf('.');
  const extension = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  return allowed.includes(extension) ? name : `${name}.${allowed[0] ?? 'bin'}`;
}
