// cpu.shares (v1, 2..262144, default 1024) ⇄ cpu.weight (v2, 1..10000, default 100).
// The mapping is the one runc (1.3) and crun (1.23) switched to: a quadratic in log2(shares)
// that sends the three anchors exactly onto each other (2 → 1, 1024 → 100, 262144 → 10000).
// The older linear formula mapped docker's default 1024 shares to weight 39, so a container
// without any cpu setting ran at 39% of the default weight on v2 hosts.

export const MIN_SHARES = 2;
export const MAX_SHARES = 262144;
export const MIN_WEIGHT = 1;
export const MAX_WEIGHT = 10000;

export function sharesToWeight(shares: number): number {
  const s = Math.min(MAX_SHARES, Math.max(MIN_SHARES, shares));
  const l = Math.log2(s);
  const exponent = (l * l + 125 * l) / 612 - 7 / 34;
  // 1e-9 guards against 10^2 evaluating to 100.00000000000001 and ceiling to 101.
  return Math.min(MAX_WEIGHT, Math.max(MIN_WEIGHT, Math.ceil(10 ** exponent - 1e-9)));
}

export function weightToShares(weight: number): number {
  const w = Math.min(MAX_WEIGHT, Math.max(MIN_WEIGHT, weight));
  // Inverse of the exponent above: l² + 125 l − 612 (log10 w + 7/34) = 0, positive root.
  const c = 612 * (Math.log10(w) + 7 / 34);
  const l = (-125 + Math.sqrt(125 * 125 + 4 * c)) / 2;
  let s = Math.min(MAX_SHARES, Math.max(MIN_SHARES, Math.round(2 ** l)));
  // Nudge onto a share count that converts back to exactly this weight (the forward mapping
  // rounds up), so a v2 user's cpu_weight survives the detour through v1 shares.
  while (s < MAX_SHARES && sharesToWeight(s) < w) s++;
  while (s > MIN_SHARES && sharesToWeight(s) > w) s--;
  return s;
}
