// Where the generator's commands go. The generator speaks kube-proxy's
// commands (add/flush chain, add rule, add/delete element …); a sink turns
// them into nft text for `nft -f`, into nftlink transaction operations, or
// into a desired state for the reconciliation helper. Every rule carries both
// forms: its nft text and the expression list nft would generate for it.

import type { Expr } from '../../src/nftables/expr/index.js';
import type { NftSet } from '../../src/nftables/set.js';
import type { SetElement } from '../../src/nftables/element.js';
import type { HookName } from '../../src/nftables/chain.js';
import type { Transaction } from '../../src/client/transaction.js';
import type { ElementsInput, SetDefinition } from '../../src/client/ops/element.js';
import type { AddSetOp } from '../../src/client/ops/set.js';
import type { RuleSpec } from '../../src/client/ops/rule.js';
import { FAMILY, TABLE } from './model.js';

/** An anonymous map a rule binds (`numgen … vmap { … }`), created with the rule. */
export interface AnonMap {
  /** The set as nft creates it: name template '__map%d', flags anonymous + constant, elements. */
  set: NftSet;
  /** Index of the lookup expression in the rule's exprs that refers to it. */
  lookupIndex: number;
}

export interface RuleDef {
  /** The rule body in nft syntax (what follows `add rule ip kube-proxy CHAIN`). */
  text: string;
  exprs: Expr[];
  comment?: string;
  anon?: AnonMap;
}

export interface ChainDef {
  name: string;
  hook?: { type: 'filter' | 'nat'; hook: HookName; priority: number };
  comment?: string;
}

export interface SetDef {
  /** The set, minus family and table (filled in by the sink). */
  set: Omit<NftSet, 'family' | 'table'>;
  /** `add set …` / `add map …` text after the name, e.g. `{ type ipv4_addr ; }`. */
  text: string;
  isMap: boolean;
}

export interface ElementDef {
  element: SetElement;
  /** The element in nft syntax, e.g. `172.30.0.1 . tcp . 80 : goto service-…`. */
  text: string;
}

export interface Sink {
  addTable(comment: string): void;
  addChain(c: ChainDef): void;
  flushChain(name: string): void;
  deleteChain(name: string): void;
  addRule(chain: string, r: RuleDef): void;
  addSet(s: SetDef): void;
  flushSet(name: string, isMap: boolean): void;
  deleteSet(name: string): void;
  addElement(set: string, e: ElementDef): void;
  deleteElement(set: string, e: ElementDef): void;
}

const T = `${FAMILY} ${TABLE}`;

/** nft text, one command per line, as knftables writes it for `nft -f -`. */
export class TextSink implements Sink {
  readonly lines: string[] = [];
  /** Counted commands (one per line). */
  get commands(): number {
    return this.lines.length;
  }
  text(): string {
    return this.lines.join('\n') + '\n';
  }
  addTable(comment: string): void {
    this.lines.push(`add table ${T} { comment ${JSON.stringify(comment)} ; }`);
  }
  addChain(c: ChainDef): void {
    const parts: string[] = [];
    if (c.hook) parts.push(`type ${c.hook.type} hook ${c.hook.hook} priority ${c.hook.priority} ;`);
    if (c.comment) parts.push(`comment ${JSON.stringify(c.comment)} ;`);
    this.lines.push(`add chain ${T} ${c.name}${parts.length ? ` { ${parts.join(' ')} }` : ''}`);
  }
  flushChain(name: string): void {
    this.lines.push(`flush chain ${T} ${name}`);
  }
  deleteChain(name: string): void {
    this.lines.push(`delete chain ${T} ${name}`);
  }
  addRule(chain: string, r: RuleDef): void {
    this.lines.push(`add rule ${T} ${chain} ${r.text}${r.comment ? ` comment ${JSON.stringify(r.comment)}` : ''}`);
  }
  addSet(s: SetDef): void {
    this.lines.push(`add ${s.isMap ? 'map' : 'set'} ${T} ${s.set.name} ${s.text}`);
  }
  flushSet(name: string, isMap: boolean): void {
    this.lines.push(`flush ${isMap ? 'map' : 'set'} ${T} ${name}`);
  }
  deleteSet(name: string): void {
    this.lines.push(`delete set ${T} ${name}`);
  }
  addElement(set: string, e: ElementDef): void {
    this.lines.push(`add element ${T} ${set} { ${e.text} }`);
  }
  deleteElement(set: string, e: ElementDef): void {
    this.lines.push(`delete element ${T} ${set} { ${e.text} }`);
  }
}

/** Counts commands without keeping anything (sizes of transactions). */
export class CountSink implements Sink {
  commands = 0;
  chains = 0;
  rules = 0;
  elements = 0;
  sets = 0;
  anonMaps = 0;
  addTable(): void { this.commands++; }
  addChain(): void { this.commands++; this.chains++; }
  flushChain(): void { this.commands++; }
  deleteChain(): void { this.commands++; }
  addRule(_c: string, r: RuleDef): void { this.commands++; this.rules++; if (r.anon) this.anonMaps++; }
  addSet(): void { this.commands++; this.sets++; }
  flushSet(): void { this.commands++; }
  deleteSet(): void { this.commands++; }
  addElement(): void { this.commands++; this.elements++; }
  deleteElement(): void { this.commands++; this.elements++; }
}

/**
 * nftlink operations, in the script's order, except that element changes are
 * gathered per set and written at the end (deletions first, then additions):
 * one NEWSETELEM message per set and batch instead of one per element. That is
 * only equivalent because the generator never deletes an element it added
 * earlier in the same transaction, and element verdicts only name chains the
 * script adds before.
 */
export class TransactionSink implements Sink {
  private readonly adds = new Map<string, SetElement[]>();
  private readonly dels = new Map<string, SetElement[]>();
  /** The named sets this transaction adds: nft names their in-batch ids in lookups too. */
  private readonly setOps = new Map<string, AddSetOp>();
  /** Commands given (as nft would count them). */
  commands = 0;

  /**
   * `known`: definitions of sets that exist already (element changes then
   * need no read of the set from the kernel before the commit).
   */
  constructor(readonly tx: Transaction, private readonly known?: ReadonlyMap<string, SetDefinition>) {}

  private elementsInput(set: string, elements: SetElement[]): ElementsInput {
    // A set of this transaction is named by its operation (no search through the transaction).
    const op = this.setOps.get(set);
    if (op) return { family: FAMILY, table: TABLE, set: op, elements };
    const definition = this.known?.get(set);
    return { family: FAMILY, table: TABLE, set, elements, ...(definition ? { definition } : {}) };
  }

  addTable(comment: string): void {
    this.commands++;
    this.tx.addTable({ family: FAMILY, name: TABLE, comment });
  }
  addChain(c: ChainDef): void {
    this.commands++;
    this.tx.addChain({
      family: FAMILY,
      table: TABLE,
      name: c.name,
      ...(c.hook ? { hook: { type: c.hook.type, hook: c.hook.hook, priority: c.hook.priority } } : {}),
      ...(c.comment ? { comment: c.comment } : {}),
    });
  }
  flushChain(name: string): void {
    this.commands++;
    this.tx.flushChain({ family: FAMILY, table: TABLE, name });
  }
  deleteChain(name: string): void {
    this.commands++;
    this.tx.deleteChain({ family: FAMILY, table: TABLE, name });
  }
  addRule(chain: string, r: RuleDef): void {
    this.commands++;
    let exprs = r.exprs;
    if (r.anon) {
      const op = this.tx.addSet(r.anon.set);
      exprs = exprs.slice();
      exprs[r.anon.lookupIndex] = { ...exprs[r.anon.lookupIndex]!, setId: op.setId } as Expr;
    }
    if (this.setOps.size > 0) exprs = this.withSetIds(exprs);
    const spec: RuleSpec = { family: FAMILY, table: TABLE, chain, exprs };
    if (r.comment) spec.comment = r.comment;
    this.tx.addRule(spec);
  }
  addSet(s: SetDef): void {
    this.commands++;
    const op = this.tx.addSet({ ...s.set, family: FAMILY, table: TABLE });
    this.setOps.set(s.set.name, op);
  }

  /** Lookups and dynsets of a set added in this transaction also carry its id, as nft sends them. */
  private withSetIds(exprs: Expr[]): Expr[] {
    let out = exprs;
    for (let i = 0; i < exprs.length; i++) {
      const e = exprs[i]!;
      if ((e.type === 'lookup' || e.type === 'dynset') && e.set !== undefined && e.setId === undefined) {
        const op = this.setOps.get(e.set);
        if (op === undefined) continue;
        if (out === exprs) out = exprs.slice();
        out[i] = { ...e, setId: op.setId };
      }
    }
    return out;
  }
  flushSet(name: string): void {
    this.commands++;
    this.flushElements(name);
    this.tx.flushSet({ family: FAMILY, table: TABLE, name });
  }
  deleteSet(name: string): void {
    this.commands++;
    this.flushElements(name);
    this.setOps.delete(name);
    this.tx.deleteSet({ family: FAMILY, table: TABLE, name });
  }
  addElement(set: string, e: ElementDef): void {
    this.commands++;
    let l = this.adds.get(set);
    if (!l) this.adds.set(set, (l = []));
    l.push(e.element);
  }
  deleteElement(set: string, e: ElementDef): void {
    this.commands++;
    let l = this.dels.get(set);
    if (!l) this.dels.set(set, (l = []));
    l.push(e.element);
  }

  /** Pending changes of a set go in before the set itself is flushed or deleted. */
  private flushElements(set: string): void {
    const d = this.dels.get(set);
    if (d) {
      this.tx.deleteElements(this.elementsInput(set, d));
      this.dels.delete(set);
    }
    const a = this.adds.get(set);
    if (a) {
      this.tx.addElements(this.elementsInput(set, a));
      this.adds.delete(set);
    }
  }

  /** Writes the gathered element changes; call once the script is complete. */
  finish(): Transaction {
    for (const [set, elements] of this.dels) this.tx.deleteElements(this.elementsInput(set, elements));
    for (const [set, elements] of this.adds) this.tx.addElements(this.elementsInput(set, elements));
    this.dels.clear();
    this.adds.clear();
    return this.tx;
  }
}

type SinkCall = { [K in keyof Sink]: [K, Parameters<Sink[K]>] }[keyof Sink];

/**
 * Records the generator's commands so they can be replayed into another
 * sink later: benchmarks generate the desired objects first and time only
 * what the library does with them.
 */
export class RecordingSink implements Sink {
  readonly calls: SinkCall[] = [];
  addTable(comment: string): void { this.calls.push(['addTable', [comment]]); }
  addChain(c: ChainDef): void { this.calls.push(['addChain', [c]]); }
  flushChain(name: string): void { this.calls.push(['flushChain', [name]]); }
  deleteChain(name: string): void { this.calls.push(['deleteChain', [name]]); }
  addRule(chain: string, r: RuleDef): void { this.calls.push(['addRule', [chain, r]]); }
  addSet(s: SetDef): void { this.calls.push(['addSet', [s]]); }
  flushSet(name: string, isMap: boolean): void { this.calls.push(['flushSet', [name, isMap]]); }
  deleteSet(name: string): void { this.calls.push(['deleteSet', [name]]); }
  addElement(set: string, e: ElementDef): void { this.calls.push(['addElement', [set, e]]); }
  deleteElement(set: string, e: ElementDef): void { this.calls.push(['deleteElement', [set, e]]); }

  replay(out: Sink): void {
    for (const c of this.calls) (out[c[0]] as (...a: unknown[]) => void)(...c[1]);
  }
}
