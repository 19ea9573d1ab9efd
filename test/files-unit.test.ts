import { describe, expect, it } from 'vitest';
import { contentDisposition, displayName } from '../src/files/names.js';
import { parseRange } from '../src/files/range.js';
import { TEXT_TYPE, TextCheck, sniff } from '../src/files/sniff.js';
import { ELF, GIF, HTML, JPEG, MOV, MP4, PDF, PNG, TEXT, WEBM, WEBP } from './support/files.js';

describe('sniffing', () => {
  it.each([
    ['PNG', PNG, 'image/png'],
    ['JPEG', JPEG, 'image/jpeg'],
    ['GIF', GIF, 'image/gif'],
    ['WebP', WEBP, 'image/webp'],
    ['PDF', PDF, 'application/pdf'],
    ['MP4', MP4, 'video/mp4'],
    ['QuickTime', MOV, 'video/quicktime'],
    ['WebM', WEBM, 'video/webm'],
    ['text', TEXT, TEXT_TYPE],
  ])('recognises %s from its bytes', async (_name, bytes, type) => {
    expect(await sniff(bytes)).toBe(type);
  });

  it('refuses an ELF binary and HTML', async () => {
    expect(await sniff(ELF)).toBeNull();
    expect(await sniff(HTML)).toBeNull();
    expect(await sniff(Buffer.from('  \n<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
    expect(await sniff(Buffer.from('<?xml version="1.0"?><a/>'))).toBeNull();
  });

  it('checks text across chunks: split characters pass, bad bytes and controls fail', () => {
    const euro = Buffer.from('€', 'utf8');
    const ok = new TextCheck();
    expect(ok.push(euro.subarray(0, 1))).toBe(true);
    expect(ok.push(euro.subarray(1))).toBe(true);
    expect(ok.end()).toBe(true);
    const cut = new TextCheck();
    expect(cut.push(euro.subarray(0, 2))).toBe(true);
    expect(cut.end()).toBe(false);
    expect(new TextCheck().push(Buffer.from([0x61, 0xff]))).toBe(false);
    expect(new TextCheck().push(Buffer.from('a\0b'))).toBe(false);
    expect(new TextCheck().push(Buffer.from('tab\tand\r\nlines\f'))).toBe(true);
  });
});

describe('display names', () => {
  it('keeps the base name only', () => {
    expect(displayName('../../etc/passwd')).toBe('passwd');
    expect(displayName('C:\\Users\\me\\receipt.pdf')).toBe('receipt.pdf');
    expect(displayName('..')).toBe('file');
    expect(displayName('')).toBe('file');
    expect(displayName(undefined)).toBe('file');
  });

  it('removes control and bidi characters and normalises to NFC', () => {
    expect(displayName('in\u0000vo\u001fice\u007f.pdf')).toBe('invoice.pdf');
    expect(displayName('photo\u202Egpj.exe')).toBe('photogpj.exe');
    expect(displayName('cafe\u0301.png')).toBe('caf\u00e9.png');
  });

  it('cuts at 200 characters without splitting one', () => {
    expect(Array.from(displayName('😀'.repeat(300)))).toHaveLength(200);
    expect(displayName('a'.repeat(250))).toBe('a'.repeat(200));
  });

  it('writes an RFC 6266 attachment header with an RFC 5987 UTF-8 name', () => {
    expect(contentDisposition('reçu "final".pdf')).toBe(
      `attachment; filename="re_u _final_.pdf"; filename*=UTF-8''re%C3%A7u%20%22final%22.pdf`,
    );
    expect(contentDisposition("it's (1).txt")).toBe(`attachment; filename="it's (1).txt"; filename*=UTF-8''it%27s%20%281%29.txt`);
  });
});

describe('byte ranges', () => {
  it('reads the forms of a single range', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
    expect(parseRange('bytes=50-5000', 100)).toEqual({ start: 50, end: 99 });
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-0', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=0-1,5-6', 100)).toBeNull();
    expect(parseRange('bytes=9-0', 100)).toBeNull();
    expect(parseRange('items=0-1', 100)).toBeNull();
  });
});
