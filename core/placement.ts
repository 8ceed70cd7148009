/**
 * Which of the stack's subnets a web server starts in, so that the web tier spreads over them (and
 * over their AZs): slot www<N> in subnets[(N-1) mod n], so www1 and www2 never share a subnet
 * while there are two; surge server k of a rule in subnets[(k-1) mod n]. Stable: a replacement
 * starts where its slot always was, and a retried launch asks for the same place as the first.
 * No subnets configured: undefined, and the launch template decides.
 */
export function slotSubnet(slot: string, subnets: readonly string[] | undefined): string | undefined {
  if (!subnets?.length) return undefined;
  const n = /^www(\d+)$/.exec(slot);
  const index = n ? Number(n[1]) - 1 : [...slot].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);
  return subnets[index % subnets.length];
}

/** Surge server `k` (1-based) of a rule's scale-out. */
export function surgeSubnet(k: number, subnets: readonly string[] | undefined): string | undefined {
  if (!subnets?.length) return undefined;
  return subnets[(k - 1) % subnets.length];
}
