/** A "nice" tick step (1, 2, 2.5 or 5 x 10^n) giving about four intervals up to `max`. */
export function niceStep(max: number): number {
  if (!(max > 0)) return 0.25;
  const raw = max / 4;
  const exp = Math.pow(10, Math.floor(Math.log10(raw)));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * exp >= raw) return m * exp;
  return 10 * exp;
}
