// Address families inside expression attributes (nat, tproxy, fwd), and
// libnftnl's words for them.

/** NFPROTO_* numbers by the names the rest of the API uses; other numbers stay numbers. */
export const NFPROTO_ENUM: Record<number, string> = {
  1: 'inet', 2: 'ip', 3: 'arp', 5: 'netdev', 7: 'bridge', 10: 'ip6',
};

const NFPROTO_NUMBER = new Map(Object.entries(NFPROTO_ENUM).map(([n, s]) => [s, Number(n)]));

/** An expression's family field as its number (undefined reads as 0, as in libnftnl's zeroed structs). */
export function nfprotoNumber(f: string | number | undefined): number {
  if (f === undefined) return 0;
  return typeof f === 'number' ? f : NFPROTO_NUMBER.get(f) ?? 0;
}

/** libnftnl's nftnl_family2str: the family's name, or `unknown` (NFPROTO_UNSPEC included). */
export function nftnlFamily(f: string | number | undefined): string {
  return NFPROTO_ENUM[nfprotoNumber(f)] ?? 'unknown';
}

/** libnftnl prints absent numeric attributes as 0: its structs start zeroed. */
export function n0(v: number | undefined): number {
  return v ?? 0;
}
