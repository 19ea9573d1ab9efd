/** Small files whose bytes are what their names say (and a few that lie), for the evidence-file tests. */

const bytes = (...parts: (string | number[] | Uint8Array)[]) =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : Buffer.from(p))));

/** A real 1×1 PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);
export const JPEG = bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10], 'JFIF\0', [1, 1, 0, 0, 1, 0, 1, 0, 0], Buffer.alloc(64), [0xff, 0xd9]);
export const GIF = bytes('GIF89a', [1, 0, 1, 0, 0x80, 0, 0], Buffer.alloc(16), ';');
export const WEBP = bytes('RIFF', [0x1a, 0, 0, 0], 'WEBPVP8 ', [0x0e, 0, 0, 0], Buffer.alloc(14));
export const PDF = bytes('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
export const MP4 = bytes([0, 0, 0, 0x18], 'ftypisom', [0, 0, 2, 0], 'isomiso2', [0, 0, 0, 8], 'free');
export const MOV = bytes([0, 0, 0, 0x14], 'ftypqt  ', [0, 0, 2, 0], 'qt  ', [0, 0, 0, 8], 'wide');
/** An EBML header whose DocType is "webm". */
export const WEBM = bytes(
  [
    0x1a, 0x45, 0xdf, 0xa3, 0x9f, 0x42, 0x86, 0x81, 0x01, 0x42, 0xf7, 0x81, 0x01, 0x42, 0xf2, 0x81, 0x04, 0x42, 0xf3, 0x81, 0x08, 0x42,
    0x82, 0x84,
  ],
  'webm',
  [0x42, 0x87, 0x81, 0x04, 0x42, 0x85, 0x81, 0x02],
);
export const TEXT = Buffer.from('Order #1234: the course never unlocked.\nTracking: none — café ✓\n', 'utf8');
/** An ELF executable header. */
export const ELF = bytes([0x7f], 'ELF', [2, 1, 1, 0], Buffer.alloc(8), [2, 0, 0x3e, 0, 1, 0, 0, 0], Buffer.alloc(48));
export const HTML = Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>\n');
