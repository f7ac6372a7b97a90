// Listings for the CLI: a readable tree, and the libnftnl text that
// `nft --debug=netlink list …` prints (per table: its sets with their
// elements, then its rules, each rule followed by an empty line), so the two
// can be diffed.

import type { Chain } from '../nftables/chain.js';
import type { Verdict } from '../nftables/data.js';
import { elementValues, type SetElement } from '../nftables/element.js';
import { formatExpr } from '../nftables/expr/index.js';
import type { Flowtable } from '../nftables/flowtable.js';
import type { NftObject } from '../nftables/object.js';
import type { Rule } from '../nftables/rule.js';
import { formatRuleDebug } from './rule.js';

export { formatRuleDebug };
import { setShape, type NftSet } from '../nftables/set.js';
import type { Table } from '../nftables/table.js';
import { describeFlowtable, describeObject, describeSet } from './events.js';
import { formatSetElements, formatWords } from './set.js';

/** What a listing shows: a whole ruleset or a part of it. Kinds not present are skipped. */
export interface Listing {
  tables: Table[];
  chains: Chain[];
  rules?: Rule[];
  /** Sets with their elements. */
  sets?: NftSet[];
  objects?: NftObject[];
  flowtables?: Flowtable[];
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
    for (const x of l.sets ?? []) {
      if (x.family === t.family && x.table === t.name) out += formatSetElements(x, x.elements ?? []).join('\n') + '\n';
    }
    for (const r of byTable.get(tableKey(t.family, t.name)) ?? []) out += formatRuleDebug(r) + '\n\n';
  }
  return out;
}

function valueText(v: unknown): string {
  if (v instanceof Uint8Array) return `0x${formatWords(v).trim().replace(/ /g, ' 0x')}`;
  if (Array.isArray(v)) return v.map(valueText).join(' . ');
  if (typeof v === 'object' && v !== null && 'verdict' in v) {
    const x = v as Verdict;
    return `${x.verdict}${x.chain !== undefined ? ` ${x.chain}` : ''}`;
  }
  return String(v);
}

/** A set's elements as nft would show them (values decoded with the set's types, intervals merged). */
function elementsText(x: NftSet): string[] {
  let els: readonly SetElement[] = x.elements ?? [];
  try {
    els = elementValues(setShape(x), els);
  } catch {
    // A set whose types this library cannot describe: its raw elements.
  }
  return els.map((e) => {
    let t = e.catchAll ? '*' : valueText(e.key);
    if (e.keyEnd !== undefined) t += `-${valueText(e.keyEnd)}`;
    if (e.intervalEnd) t += ' (interval end)';
    if (e.data !== undefined) t += ` : ${valueText(e.data)}`;
    if (e.object !== undefined) t += ` : ${JSON.stringify(e.object)}`;
    if (e.timeout !== undefined) t += ` timeout ${e.timeout}ms`;
    if (e.expiration !== undefined) t += ` expires ${e.expiration}ms`;
    if (e.comment !== undefined) t += ` comment ${JSON.stringify(e.comment)}`;
    return t;
  });
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
    const mine = <T extends { family: string; table: string }>(a: T[] | undefined): T[] => (a ?? []).filter((x) => x.family === t.family && x.table === t.name);
    for (const x of mine(l.sets)) {
      lines.push(`  set ${describeSet(x).split(' ').slice(2).join(' ')}`);
      for (const e of elementsText(x)) lines.push(`    ${e}`);
    }
    for (const o of mine(l.objects)) lines.push(`  object ${describeObject(o)}`);
    for (const f of mine(l.flowtables)) lines.push(`  flowtable ${describeFlowtable(f).split(' ').slice(2).join(' ')}`);
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
