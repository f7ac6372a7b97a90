// Listings for the CLI: a readable tree, and the libnftnl text that
// `nft --debug=netlink list …` prints (per table: its sets with their
// elements, then its rules, each rule followed by an empty line), so the two
// can be diffed.

import type { Chain } from '../nftables/chain.js';
import { formatExpr } from '../nftables/expr/index.js';
import { formatRule, type Rule } from '../nftables/rule.js';
import type { Table } from '../nftables/table.js';

/** What a listing shows: a whole ruleset or a part of it. Kinds not present are skipped. */
export interface Listing {
  tables: Table[];
  chains: Chain[];
  rules?: Rule[];
}

/**
 * libnftnl's rule print: `FAMILY TABLE CHAIN[ HANDLE][ POSITION]`, then one
 * `  [ … ]` line per expression (and userdata).
 */
export function formatRuleDebug(r: Rule): string {
  let head = `${r.family} ${r.table} ${r.chain}`;
  if (r.handle !== undefined) head += ` ${r.handle}`;
  if (r.position !== undefined) head += ` ${r.position}`;
  const body = formatRule(r, { handle: false }).split('\n').slice(1);
  return [head, ...body].join('\n');
}

function tableKey(family: string, name: string): string {
  return `${family}\0${name}`;
}

/** The libnftnl text of a listing, table by table, as `nft --debug=netlink list` prints it. */
export function formatListingDebug(l: Listing): string {
  const byTable = new Map<string, Rule[]>();
  for (const r of l.rules ?? []) {
    const k = tableKey(r.family, r.table);
    let a = byTable.get(k);
    if (!a) byTable.set(k, (a = []));
    a.push(r);
  }
  let out = '';
  for (const t of l.tables) {
    for (const r of byTable.get(tableKey(t.family, t.name)) ?? []) out += formatRuleDebug(r) + '\n\n';
  }
  return out;
}

function chainLine(c: Chain): string {
  let s = `chain ${c.name}`;
  if (c.handle !== undefined) s += ` (handle ${c.handle})`;
  if (c.hook) {
    s += ` type ${c.hook.type ?? 'filter'} hook ${c.hook.hook}`;
    if (c.hook.device) s += ` device ${c.hook.device}`;
    if (c.hook.devices) s += ` devices { ${c.hook.devices.join(', ')} }`;
    s += ` priority ${c.hook.priority}`;
    if (c.policy) s += ` policy ${c.policy}`;
  }
  if (c.flags?.length) s += ` flags ${c.flags.join(',')}`;
  if (c.use !== undefined) s += ` use ${c.use}`;
  if (c.counters) s += ` packets ${c.counters.packets} bytes ${c.counters.bytes}`;
  if (c.comment !== undefined) s += ` comment ${JSON.stringify(c.comment)}`;
  return s;
}

function tableLine(t: Table): string {
  let s = `table ${t.family} ${t.name}`;
  if (t.handle !== undefined) s += ` (handle ${t.handle})`;
  if (t.flags?.length) s += ` flags ${t.flags.join(',')}`;
  if (t.owner !== undefined) s += ` owner ${t.owner}`;
  if (t.use !== undefined) s += ` use ${t.use}`;
  if (t.comment !== undefined) s += ` comment ${JSON.stringify(t.comment)}`;
  return s;
}

/** A readable tree: tables, their chains, each chain's rules with one expression per line. */
export function formatListingTree(l: Listing): string {
  const rulesOf = new Map<string, Rule[]>();
  for (const r of l.rules ?? []) {
    const k = `${r.family}\0${r.table}\0${r.chain}`;
    let a = rulesOf.get(k);
    if (!a) rulesOf.set(k, (a = []));
    a.push(r);
  }
  const lines: string[] = [];
  for (const t of l.tables) {
    lines.push(tableLine(t));
    for (const c of l.chains) {
      if (c.family !== t.family || c.table !== t.name) continue;
      lines.push(`  ${chainLine(c)}`);
      for (const r of rulesOf.get(`${c.family}\0${c.table}\0${c.name}`) ?? []) {
        lines.push(`    rule${r.handle !== undefined ? ` ${r.handle}` : ''}${r.comment !== undefined ? ` comment ${JSON.stringify(r.comment)}` : ''}`);
        for (const e of r.exprs) lines.push(`      ${formatExpr(e)}`);
      }
    }
  }
  return lines.join('\n') + (lines.length ? '\n' : '');
}
