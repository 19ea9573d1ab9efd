/**
 * Money is an integer of minor units plus an ISO 4217 currency (SPEC §9). Some
 * providers (PayPal) speak decimal strings instead; the number of decimals is
 * the currency's ISO 4217 exponent, never assumed to be 2.
 */

/** Currencies whose exponent is not 2 (ISO 4217 list one). Every other code has 2. */
const EXPONENTS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
};

export function minorUnitExponent(currency: string): number {
  return EXPONENTS[currency.toUpperCase()] ?? 2;
}

/** 1234 USD → "12.34"; 1234 JPY → "1234"; 1234 KWD → "1.234". Exact: no floating point. */
export function toDecimalString(amount: number, currency: string): string {
  if (!Number.isSafeInteger(amount) || amount < 0) throw new RangeError(`Not an amount of minor units: ${amount}`);
  const exponent = minorUnitExponent(currency);
  if (exponent === 0) return String(amount);
  const digits = String(amount).padStart(exponent + 1, '0');
  return `${digits.slice(0, -exponent)}.${digits.slice(-exponent)}`;
}

/** "12.34" USD → 1234; "1.5" KWD → 1500. Refuses more decimals than the currency has. */
export function fromDecimalString(value: string, currency: string): number {
  const exponent = minorUnitExponent(currency);
  const m = /^(\d+)(?:\.(\d+))?$/.exec(value);
  if (!m || (m[2]?.length ?? 0) > exponent) throw new RangeError(`Not an amount of ${currency}: "${value}"`);
  const amount = Number(`${m[1]}${(m[2] ?? '').padEnd(exponent, '0')}`);
  if (!Number.isSafeInteger(amount)) throw new RangeError(`Amount out of range: "${value}"`);
  return amount;
}

/**
 * The active ISO 4217 codes a payment can be in (list one, without precious metals,
 * the testing code and other non-money units). `ZZZ` or a withdrawn code is refused.
 */
const ACTIVE_CURRENCIES = new Set(
  (
    'AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL ' +
    'GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD ' +
    'KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO ' +
    'NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD ' +
    'SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV ' +
    'WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG'
  ).split(' '),
);

export function isActiveCurrency(code: string): boolean {
  return ACTIVE_CURRENCIES.has(code);
}

/**
 * Building an Intl formatter costs about as much as rendering a whole mail; currencies and
 * locales are few, so each formatter is built once.
 */
const moneyFormats = new Map<string, Intl.NumberFormat>();

/**
 * Minor units as people read them, for mail and the web app alike: "$79.00", "¥4,500",
 * "HUF 100.00". The decimals are the ISO 4217 exponent of this module's table, not Intl's own
 * (which shows HUF, TWD cash amounts and others without their decimals); the amount goes to
 * Intl as an exact decimal string. `locale` undefined is the runtime's (the browser's).
 */
export function formatMoney(amount: number, currency: string, locale?: string): string {
  const code = currency.toUpperCase();
  const key = `${locale ?? ''}|${code}`;
  let f = moneyFormats.get(key);
  if (!f) {
    const digits = minorUnitExponent(code);
    f = new Intl.NumberFormat(locale, { style: 'currency', currency: code, minimumFractionDigits: digits, maximumFractionDigits: digits });
    moneyFormats.set(key, f);
  }
  const decimal = `${amount < 0 ? '-' : ''}${toDecimalString(Math.abs(amount), code)}`;
  return f.format(decimal as Intl.StringNumericLiteral);
}
