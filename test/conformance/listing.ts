// Comparing nftlink's libnftnl-format listing of a table with the corpus's
// dumpNetlink.
//
// The lines are compared exactly, in order, with one allowance: the elements
// of one set are compared as a multiset. The kernel dumps hash-backed sets in
// bucket order, and the hash seed is random per set: loading the same rule
// three times printed `ct state { new, established, related, untracked }`'s
// four elements in three different orders. The element lines themselves
// (keys, ranges, data, flags) must still be identical.

/** Splits a libnftnl print into blocks: a header line with its indented lines. */
function blocks(lines: readonly string[]): { head: string; body: string[] }[] {
  const out: { head: string; body: string[] }[] = [];
  for (const l of lines) {
    if (l.startsWith('\t') || l.startsWith('  ')) {
      if (out.length === 0) out.push({ head: '', body: [] });
      out[out.length - 1]!.body.push(l);
    } else {
      out.push({ head: l, body: [] });
    }
  }
  return out;
}

const isSetHead = (head: string): boolean => head.split(' ')[2]?.startsWith('@') ?? false;

/** The listing with each set's element lines sorted (what the comparison sees). */
export function canonicalListing(lines: readonly string[]): string[] {
  const out: string[] = [];
  for (const b of blocks(lines)) {
    if (b.head) out.push(b.head);
    out.push(...(isSetHead(b.head) ? [...b.body].sort() : b.body));
  }
  return out;
}

export function sameListing(expected: readonly string[], got: readonly string[]): boolean {
  const a = canonicalListing(expected);
  const b = canonicalListing(got);
  return a.length === b.length && a.every((l, i) => l === b[i]);
}

/**
 * The `chain NAME { … }` block of one table in `nft list ruleset` output:
 * what `nft list chain` prints inside its table wrapper.
 */
export function chainBlock(listing: string, family: string, table: string, chain: string): string | undefined {
  const ls = listing.split('\n');
  const t = ls.indexOf(`table ${family} ${table} {`);
  if (t < 0) return undefined;
  const names = [`\tchain ${chain} {`, `\tchain "${chain}" {`];
  let i = t + 1;
  for (; i < ls.length && ls[i] !== '}'; i++) if (names.includes(ls[i]!)) break;
  if (i >= ls.length || ls[i] === '}') return undefined;
  const out: string[] = [];
  for (; i < ls.length; i++) {
    out.push(ls[i]!);
    if (ls[i] === '\t}') return out.join('\n');
  }
  return undefined;
}
