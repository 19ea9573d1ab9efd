import { describe, expect, it } from 'vitest';
import { fromDecimalString, minorUnitExponent, toDecimalString } from '../src/domain/money.js';

describe('minor units and decimal strings', () => {
  it('uses each currency’s ISO 4217 exponent', () => {
    expect([minorUnitExponent('USD'), minorUnitExponent('jpy'), minorUnitExponent('KWD'), minorUnitExponent('EUR')]).toEqual([2, 0, 3, 2]);
    expect(toDecimalString(1234, 'USD')).toBe('12.34');
    expect(toDecimalString(5, 'USD')).toBe('0.05');
    expect(toDecimalString(0, 'EUR')).toBe('0.00');
    expect(toDecimalString(1234, 'JPY')).toBe('1234');
    expect(toDecimalString(1234, 'KWD')).toBe('1.234');
    expect(toDecimalString(7, 'KWD')).toBe('0.007');
    expect(toDecimalString(9007199254740991, 'USD')).toBe('90071992547409.91');
  });

  it('parses decimal strings back exactly, refusing extra decimals', () => {
    expect(fromDecimalString('12.34', 'USD')).toBe(1234);
    expect(fromDecimalString('12.3', 'USD')).toBe(1230);
    expect(fromDecimalString('12', 'USD')).toBe(1200);
    expect(fromDecimalString('1500', 'JPY')).toBe(1500);
    expect(fromDecimalString('1.5', 'KWD')).toBe(1500);
    expect(fromDecimalString('0.29', 'USD')).toBe(29);
    for (const [v, c] of [
      ['1.234', 'USD'],
      ['1.5', 'JPY'],
      ['-1', 'USD'],
      ['1e3', 'USD'],
      ['', 'USD'],
    ] as const)
      expect(() => fromDecimalString(v, c)).toThrow(RangeError);
    expect(() => toDecimalString(1.5, 'USD')).toThrow(RangeError);
  });
});
