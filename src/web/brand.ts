/**
 * The colours derived from BRAND_COLOR for the app and the mails. The brand colour
 * itself paints the brand mark and the mail's header, with black or white text,
 * whichever contrasts more; links and buttons use it darkened until white text and
 * white pages reach WCAG AA (4.5:1), so any brand colour keeps the pages readable.
 */
import type { Config } from '../config.js';

/** The brand as the app and the mails show it (SPEC §14). */
export interface BrandView {
  name: string;
  logoUrl: string | null;
  /** Null: BRAND_COLOR is not set, the app keeps its own colours. */
  palette: Palette | null;
}

export function brandView(config: Config): BrandView {
  const { name, color, logoUrl } = config.brand;
  return { name, logoUrl, palette: color ? palette(color) : null };
}

export interface Palette {
  /** The brand colour as given. */
  brand: string;
  /** Text on `brand`. */
  onBrand: string;
  /** Links, focus rings, primary buttons (white text). */
  accent: string;
  accentHover: string;
  /** Tinted backgrounds behind `accentHover` text. */
  accentSoft: string;
}

type Rgb = [number, number, number];

const rgb = (hex: string): Rgb => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as Rgb;
const hex = (c: Rgb) => `#${c.map((v) => Math.round(v).toString(16).padStart(2, '0')).join('')}`;
const mix = (c: Rgb, to: Rgb, t: number): Rgb => c.map((v, i) => v + ((to[i] as number) - v) * t) as Rgb;

function luminance(c: Rgb): number {
  const [r, g, b] = c.map((v) => {
    const s = v / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  }) as Rgb;
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

export function contrast(a: string, b: string): number {
  const [x, y] = [luminance(rgb(a)), luminance(rgb(b))].sort((p, q) => q - p) as [number, number];
  return (x + 0.05) / (y + 0.05);
}

const WHITE: Rgb = [255, 255, 255];
const BLACK: Rgb = [0, 0, 0];

/** The colour darkened in small steps until it reaches `ratio` against white. */
function darkenTo(c: Rgb, ratio: number): Rgb {
  let out = c;
  for (let t = 0.04; contrast(hex(out), '#ffffff') < ratio && t <= 1; t += 0.04) out = mix(c, BLACK, t);
  return out;
}

export function palette(color: string): Palette {
  const c = rgb(color);
  const accent = darkenTo(c, 4.6);
  return {
    brand: color,
    onBrand: contrast(color, '#ffffff') >= contrast(color, '#000000') ? '#ffffff' : '#000000',
    accent: hex(accent),
    accentHover: hex(darkenTo(accent, 6)),
    accentSoft: hex(mix(c, WHITE, 0.9)),
  };
}
