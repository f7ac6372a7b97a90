// `nft -j list ruleset` in a form two equal rulesets share however they were
// built: no handles, chains and sets by name, each chain's rules in order,
// set elements (also of anonymous sets inside rules) sorted.

type J = unknown;

function strip(v: J): J {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    const out: Record<string, J> = {};
    for (const [k, x] of Object.entries(v as Record<string, J>)) {
      if (k === 'handle') continue;
      out[k] = k === 'elem' || k === 'set' ? sortIfList(strip(x)) : strip(x);
    }
    return out;
  }
  return v;
}

function sortIfList(v: J): J {
  if (!Array.isArray(v)) return v;
  return [...v].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** Normalised text of an `nft -j list ruleset` output. */
export function normalizeJsonListing(text: string): string {
  const items = (JSON.parse(text) as { nftables: Record<string, J>[] }).nftables;
  const tables: string[] = [];
  const chains: string[] = [];
  const sets: string[] = [];
  const rules = new Map<string, string[]>();
  const other: string[] = [];
  for (const it of items) {
    const [kind] = Object.keys(it);
    if (kind === 'metainfo') continue;
    const body = strip(it[kind!]) as Record<string, J>;
    const line = `${kind} ${JSON.stringify(body)}`;
    if (kind === 'table') tables.push(line);
    else if (kind === 'chain') chains.push(line);
    else if (kind === 'set' || kind === 'map') sets.push(line);
    else if (kind === 'rule') {
      const key = `${body['family']} ${body['table']} ${body['chain']}`;
      let l = rules.get(key);
      if (!l) rules.set(key, (l = []));
      l.push(line);
    } else other.push(line);
  }
  const ruleLines = [...rules.keys()].sort().flatMap((k) => rules.get(k)!);
  return [...tables.sort(), ...chains.sort(), ...sets.sort(), ...other.sort(), ...ruleLines].join('\n');
}
