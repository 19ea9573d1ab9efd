/**
 * What the server writes into the page before the app starts (src/web/static.ts): the
 * brand, and whether people sign in at the marketplace (PLATFORM_LOGIN_URL). The Vite
 * dev server's page has none: the defaults.
 */
export interface AppConfig {
  brand: {
    name: string;
    logoUrl: string | null;
    palette: { brand: string; onBrand: string; accent: string; accentHover: string; accentSoft: string } | null;
  };
  externalSignIn: boolean;
}

function read(): AppConfig {
  const fallback: AppConfig = { brand: { name: 'Resolution Center', logoUrl: null, palette: null }, externalSignIn: false };
  const json = document.getElementById('rc-config')?.textContent;
  if (!json) return fallback;
  try {
    return { ...fallback, ...(JSON.parse(json) as Partial<AppConfig>) };
  } catch {
    return fallback;
  }
}

export const appConfig = read();

/** The brand's colours replace the accent through the stylesheet's variables. */
export function applyBrand(): void {
  const p = appConfig.brand.palette;
  if (!p) return;
  const root = document.documentElement.style;
  root.setProperty('--c-brand', p.brand);
  root.setProperty('--c-on-brand', p.onBrand);
  root.setProperty('--c-accent', p.accent);
  root.setProperty('--c-accent-hover', p.accentHover);
  root.setProperty('--c-accent-soft', p.accentSoft);
}

/** "Resolution Center" → "RC": the mark shown when there is no logo. */
export function initials(name: string): string {
  return name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]?.toUpperCase() ?? '')
    .join('');
}
