/**
 * kube-proxy writes `--probability` as Go's fmt.Sprintf("%0.10f", 1.0/float64(n)): the exact
 * binary value of the double rounded to ten places, ties to even. JavaScript's toFixed breaks ties
 * upwards (1/2048 would print …813 instead of …812), so the rounding is done here exactly.
 */

// Module-level on purpose (see model/caches.ts): 1/n's text depends only on n.
const cache: string[] = [];

function exactFixed10(x: number): string {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mantissa = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exponent: number;
  if (biased === 0) exponent = -1074;
  else {
    mantissa |= 1n << 52n;
    exponent = biased - 1075;
  }
  // x = mantissa * 2^exponent; scaled = x * 10^10.
  const scale = 10n ** 10n;
  let q: bigint;
  if (exponent >= 0) q = mantissa * scale * (1n << BigInt(exponent));
  else {
    const den = 1n << BigInt(-exponent);
    const num = mantissa * scale;
    q = num / den;
    const twice = (num % den) * 2n;
    if (twice > den || (twice === den && q % 2n === 1n)) q += 1n;
  }
  const digits = q.toString().padStart(11, '0');
  return `${digits.slice(0, -10)}.${digits.slice(-10)}`;
}

/** The probability kube-proxy gives the first of `n` remaining endpoints. */
export function probability(n: number): string {
  let p = cache[n];
  if (p === undefined) {
    p = exactFixed10(1 / n);
    cache[n] = p;
  }
  return p;
}
