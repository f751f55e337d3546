/**
 * Sums of energy and money kept exact: added up as BigInt and turned back into a number only at
 * the end. A result past 2^53 - 1 (which no period within `limits` reaches in practice) is
 * clamped to Number.MAX_SAFE_INTEGER rather than silently rounded, so the book stays integral.
 */

export function toSafeNumber(value: bigint): number {
  const max = BigInt(Number.MAX_SAFE_INTEGER);
  if (value > max) return Number.MAX_SAFE_INTEGER;
  if (value < -max) return -Number.MAX_SAFE_INTEGER;
  return Number(value);
}

export function sumOf<T>(items: readonly T[], value: (item: T) => number): number {
  let total = 0n;
  for (const item of items) total += BigInt(value(item));
  return toSafeNumber(total);
}
