/**
 * A number as `Intl.NumberFormat('en-US', { maximumFractionDigits, useGrouping })` writes it, without ICU (issue 11:
 * the first `Intl.NumberFormat` cost ≈ 0.16 s of the CLI's start-up, ICU's own initialisation). Same text, by the
 * same steps: the shortest decimal that reads back as the same double (`toExponential()`; what V8 hands ICU, also for
 * integers: 2⁶⁰ is written 1,152,921,504,606,847,000) — rounded half away
 * from zero (ECMA-402's default `halfExpand`) to the given fraction digits, trailing fraction zeros removed, a minus
 * sign whenever the number is negative (also when it rounds to 0: `-0`), commas every three integer digits.
 * Checked against `Intl.NumberFormat` on random doubles in `test/sql/format-result.test.ts`.
 * @module
 */

/**
 * The digits of `a` (finite, > 0) and where its point is: `a = 0.<digits> × 10^point` in decimal.
 */
function decimalOf(a: number): { digits: bigint; length: number; point: number } {
  const [mantissa, exponent] = a.toExponential().split('e') as [string, string];
  const s = mantissa.replace('.', '');
  return { digits: BigInt(s), length: s.length, point: Number(exponent) + 1 };
}

/**
 * Formats a finite number with at most `fractionDigits` digits after the point (module header).
 * @param x - a finite number (not −0: the caller writes it as 0).
 * @param fractionDigits - 0 to 20.
 * @param grouping - commas between groups of three integer digits.
 * @returns the text `Intl.NumberFormat('en-US', { maximumFractionDigits: fractionDigits, useGrouping: grouping })` gives.
 */
export function formatDecimal(x: number, fractionDigits: number, grouping: boolean): string {
  const sign = x < 0 ? '-' : '';
  const a = Math.abs(x);
  let scaled = 0n; // round(a × 10^fractionDigits), half away from zero
  if (a > 0) {
    const { digits, length, point } = decimalOf(a);
    const shift = point - length + fractionDigits;
    if (shift >= 0) scaled = digits * 10n ** BigInt(shift);
    else {
      const unit = 10n ** BigInt(-shift);
      scaled = digits / unit;
      if (2n * (digits % unit) >= unit) scaled += 1n;
    }
  }
  const text = scaled.toString().padStart(fractionDigits + 1, '0');
  let whole = fractionDigits === 0 ? text : text.slice(0, -fractionDigits);
  const fraction = fractionDigits === 0 ? '' : text.slice(-fractionDigits).replace(/0+$/, '');
  if (grouping) whole = whole.replace(/\B(?=(\d{3})+$)/g, ',');
  return `${sign}${whole}${fraction === '' ? '' : `.${fraction}`}`;
}
