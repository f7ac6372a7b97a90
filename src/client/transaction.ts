// Transaction: operations collected in order, sent as one atomic batch.

import type { Chain, ChainRef } from '../nftables/chain.js';
import type { Flowtable, FlowtableRef } from '../nftables/flowtable.js';
import type { NftObject, ObjectRef } from '../nftables/object.js';
import type { Table, TableRef } from '../nftables/table.js';
import type { NetlinkSocket } from '../netlink/socket.js';
import { runBatch, type CommitResult } from './commit.js';
import { ValidationError } from '../errors.js';
import { TransactionStateError } from './errors.js';
import type { Op, Operation } from './operation.js';
import { AddChainOp, DelChainOp, FlushChainOp, RenameChainOp, type RenameChain } from './ops/chain.js';
import { AddTableOp, DelTableOp, FlushTableOp } from './ops/table.js';
import type { NftSet, SetRef } from '../nftables/set.js';
import { AddSetOp, DelSetOp, FlushSetOp } from './ops/set.js';
import { ElementsOp, type ElementAction, type ElementsInput } from './ops/element.js';
import { AddObjectOp, DelObjectOp } from './ops/object.js';
import { AddFlowtableOp, DelFlowtableOp } from './ops/flowtable.js';
import { AddRuleOp, batchIdOf, DelRuleOp, type RulePlacement, type RuleRef, type RuleSpec } from './ops/rule.js';
import type { Rule } from '../nftables/rule.js';

/** What addRuleset takes: a listed ruleset, or any object with the same arrays. */
export interface RulesetInput {
  tables: Table[];
  chains: Chain[];
  /** Sets and maps, each with its (listed, wire-level) elements. */
  sets?: NftSet[];
  /** Stateful objects (counters, quotas, ct helpers …). */
  objects?: NftObject[];
  flowtables?: Flowtable[];
  /** Rules, in each chain's order (as listed). */
  rules?: Rule[];
}

export interface TransactionOptions {
  /**
   * Commit only if the ruleset is still at this generation (from
   * `nft.getGeneration()` or a listing); otherwise the commit fails with a
   * GenerationConflictError and nothing changes.
   */
  generation?: number;
  /**
   * Ask the kernel to echo created objects so their handles land on the
   * operations (default true). Large bootstraps that need no handles can turn
   * it off: echoes cost the kernel time and receive buffer.
   */
  echo?: boolean;
}

/** What a transaction needs from its client. */
export interface TransactionHost {
  socket(): NetlinkSocket;
  /** Looks up a chain's handle (for renames given by name). */
  chainHandle(ref: { family: Chain['family']; table: string; name: string }): Promise<number>;
  /** Reads a set's definition (for elements given as values of a set made elsewhere). */
  getSet?(ref: { family: Chain['family']; table: string; name: string }): Promise<NftSet>;
}

export class Transaction {
  private readonly ops: Op[] = [];
  /** Operations that may need a kernel read before encoding (renames by name, elements of unknown sets). */
  private readonly toPrepare: Op[] = [];
  private state: 'open' | 'committing' | 'done' = 'open';
  /** NFTA_SET_ID values, unique within the batch. */
  private nextSetId = 1;

  constructor(
    private readonly host: TransactionHost,
    readonly options: TransactionOptions = {},
  ) {}

  /** The operations so far, in order. */
  get operations(): readonly Operation[] {
    return this.ops;
  }

  get size(): number {
    return this.ops.length;
  }

  /**
   * Appends an operation (used by the methods below and by extensions). The
   * factory validates its input; a ValidationError gets the index it would have had.
   */
  push<T extends Op>(make: () => T): T {
    if (this.state !== 'open') throw new TransactionStateError('this transaction was already committed; start a new one');
    let op: T;
    try {
      op = make();
    } catch (e) {
      if (e instanceof ValidationError) e.index = this.ops.length;
      throw e;
    }
    op.index = this.ops.length;
    this.ops.push(op);
    // Remembered here so a commit need not look through every operation.
    if (op instanceof RenameChainOp || op instanceof ElementsOp) this.toPrepare.push(op);
    return op;
  }

  // --- tables ---------------------------------------------------------------

  /** Adds a table; an existing table is left as it is (flags and comment are updated if given). */
  addTable(t: Table): Operation<Table> {
    return this.push(() => new AddTableOp(t, false));
  }
  /** Creates a table; fails with EEXIST if it exists. */
  createTable(t: Table): Operation<Table> {
    return this.push(() => new AddTableOp(t, true));
  }
  /** Deletes a table and everything in it; fails with ENOENT if it does not exist. */
  deleteTable(t: TableRef): Operation<TableRef> {
    return this.push(() => new DelTableOp(t, false));
  }
  /** Deletes a table if it exists. */
  destroyTable(t: TableRef): Operation<TableRef> {
    return this.push(() => new DelTableOp(t, true));
  }
  /** Deletes every rule in the table's chains. */
  flushTable(t: { family: Table['family']; name: string }): Operation {
    return this.push(() => new FlushTableOp(t));
  }

  // --- chains ---------------------------------------------------------------

  addChain(c: Chain): Operation<Chain> {
    return this.push(() => new AddChainOp(c, false));
  }
  createChain(c: Chain): Operation<Chain> {
    return this.push(() => new AddChainOp(c, true));
  }
  deleteChain(c: ChainRef): Operation<ChainRef> {
    return this.push(() => new DelChainOp(c, false));
  }
  destroyChain(c: ChainRef): Operation<ChainRef> {
    return this.push(() => new DelChainOp(c, true));
  }
  flushChain(c: { family: Chain['family']; table: string; name: string }): Operation {
    return this.push(() => new FlushChainOp(c));
  }
  /** Renames a chain (given by name or handle). */
  renameChain(c: RenameChain): Operation<RenameChain> {
    return this.push(() => new RenameChainOp(c));
  }

  // --- sets -----------------------------------------------------------------

  /**
   * Adds a set or map (an existing one with the same definition is left as it
   * is). Elements given in `elements` are added with it. An anonymous set
   * (flags: ['anonymous', 'constant'], name '__set%d') must be bound by a rule
   * of the same transaction; after the commit the operation's `name` is the
   * kernel's. The operation's `setId` is the set's in-batch id (for lookups).
   */
  addSet(s: NftSet): AddSetOp {
    return this.push(() => new AddSetOp(s, false, this.nextSetId++));
  }
  /** Creates a set; fails with EEXIST if it exists. */
  createSet(s: NftSet): AddSetOp {
    return this.push(() => new AddSetOp(s, true, this.nextSetId++));
  }
  /** Deletes a set; fails with ENOENT if it does not exist, EBUSY if a rule uses it. */
  deleteSet(s: SetRef): Operation<SetRef> {
    return this.push(() => new DelSetOp(s, false));
  }
  /** Deletes a set if it exists. */
  destroySet(s: SetRef): Operation<SetRef> {
    return this.push(() => new DelSetOp(s, true));
  }
  /** Deletes every element of a set. */
  flushSet(s: { family: NftSet['family']; table: string; name: string }): Operation {
    return this.push(() => new FlushSetOp(s));
  }

  // --- elements -------------------------------------------------------------

  /** Adds elements; existing ones are left (on kernels ≥ 6.12 their timeout is refreshed). */
  addElements(e: ElementsInput): Operation<ElementsInput> {
    return this.pushElements(e, 'add');
  }
  /** Adds elements; fails with EEXIST if one exists (naming it). */
  createElements(e: ElementsInput): Operation<ElementsInput> {
    return this.pushElements(e, 'create');
  }
  /** Deletes elements; fails with ENOENT if one does not exist. For an interval set, give the ranges as added. */
  deleteElements(e: ElementsInput): Operation<ElementsInput> {
    return this.pushElements(e, 'delete');
  }
  /** Deletes elements that exist, ignores the others. */
  destroyElements(e: ElementsInput): Operation<ElementsInput> {
    return this.pushElements(e, 'destroy');
  }

  private pushElements(e: ElementsInput, action: ElementAction): ElementsOp {
    return this.push(() => new ElementsOp(e, action, this.findSetOp(e)));
  }

  /** The operation of this transaction that adds the set the elements go into, if any. */
  private findSetOp(e: ElementsInput): AddSetOp | undefined {
    if (e?.set instanceof AddSetOp) return e.set;
    if (typeof e?.set !== 'string') return undefined;
    for (let i = this.ops.length - 1; i >= 0; i--) {
      const op = this.ops[i];
      if (op instanceof AddSetOp && op.object.family === e.family && op.object.table === e.table && op.object.name === e.set) return op;
      // A set deleted after it was added in this transaction is not the one meant.
      if (op instanceof DelSetOp && op.object.family === e.family && op.object.table === e.table && op.object.name === e.set) return undefined;
    }
    return undefined;
  }

  // --- stateful objects -----------------------------------------------------

  /**
   * Adds a stateful object (counter, quota, limit, connlimit, ct helper, ct
   * timeout, ct expectation, secmark, synproxy, tunnel). An existing object of
   * the same name and type is left as it is, or updated where the kernel
   * supports it.
   */
  addObject<O extends NftObject>(o: O): Operation<O> {
    return this.push(() => new AddObjectOp(o, false)) as unknown as Operation<O>;
  }
  /** Creates a stateful object; fails with EEXIST if it exists. */
  createObject<O extends NftObject>(o: O): Operation<O> {
    return this.push(() => new AddObjectOp(o, true)) as unknown as Operation<O>;
  }
  /** Deletes an object by name or handle (its type is required); fails with ENOENT if missing, EBUSY if in use. */
  deleteObject(r: ObjectRef): Operation<ObjectRef> {
    return this.push(() => new DelObjectOp(r, false));
  }
  /** Deletes an object if it exists. */
  destroyObject(r: ObjectRef): Operation<ObjectRef> {
    return this.push(() => new DelObjectOp(r, true));
  }

  // --- flowtables -------------------------------------------------------------

  addFlowtable(f: Flowtable): Operation<Flowtable> {
    return this.push(() => new AddFlowtableOp(f, false));
  }
  createFlowtable(f: Flowtable): Operation<Flowtable> {
    return this.push(() => new AddFlowtableOp(f, true));
  }
  deleteFlowtable(f: FlowtableRef): Operation<FlowtableRef> {
    return this.push(() => new DelFlowtableOp(f, false));
  }
  destroyFlowtable(f: FlowtableRef): Operation<FlowtableRef> {
    return this.push(() => new DelFlowtableOp(f, true));
  }

  /**
   * The in-batch id of a chain added earlier in this transaction, for rules
   * and verdicts that refer to it by id (`{ verdict: 'jump', chainId }`,
   * a rule's `chainId`): the chain's NEWCHAIN then carries NFTA_CHAIN_ID.
   */
  chainId(op: Operation<Chain>): number {
    if (!(op instanceof AddChainOp) || this.ops[op.index] !== op) {
      throw new ValidationError('chain', 'must be a chain added earlier in this transaction (addChain or createChain)');
    }
    if (op.object.id !== undefined) return op.object.id;
    op.batchId ??= batchIdOf(op);
    return op.batchId;
  }

  // --- rules ----------------------------------------------------------------

  /**
   * Appends a rule to its chain, or places it right after (or before) a
   * reference rule, given by handle or as a rule added earlier in this
   * transaction. After commit, the operation's `handle` is the new rule's.
   */
  addRule(r: RuleSpec, placement: RulePlacement = {}): Operation<RuleSpec> {
    return this.push(() => new AddRuleOp('addRule', r, placement, this.ops));
  }
  /** Inserts a rule at the head of its chain, or right before (or after) a reference rule. */
  insertRule(r: RuleSpec, placement: RulePlacement = {}): Operation<RuleSpec> {
    return this.push(() => new AddRuleOp('insertRule', r, placement, this.ops));
  }
  /** Replaces the rule with `r.handle` by `r`, in place. */
  replaceRule(r: RuleSpec & { handle: number }): Operation<RuleSpec> {
    return this.push(() => new AddRuleOp('replaceRule', r, {}, this.ops));
  }
  /** Deletes a rule by handle (or a rule added earlier in this transaction); ENOENT if it does not exist. */
  deleteRule(r: RuleRef): Operation<RuleRef> {
    return this.push(() => new DelRuleOp(r, false, this.ops));
  }
  /** Deletes a rule by handle if it exists (kernel 6.3+). */
  destroyRule(r: RuleRef): Operation<RuleRef> {
    return this.push(() => new DelRuleOp(r, true, this.ops));
  }

  // --- whole rulesets -------------------------------------------------------

  /**
   * Recreates a listed ruleset (from `nft.listRuleset()`): tables, then
   * chains, objects and flowtables, in the order objects must exist for later
   * ones to refer to them (object maps and rules name objects and flowtables,
   * so sets, elements and rules come after these). Read-only fields
   * (handles, use counts, owners, rule positions) are not sent; object state
   * (counter values, quota usage) is, as `nft -f` of a listing restores it.
   * Rules are appended in listed order; an anonymous set a rule binds is
   * created right before it (with its elements) and the rule refers to it by
   * in-batch id, as nft does.
   */
  addRuleset(rs: RulesetInput): Operation[] {
    const out: Operation[] = [];
    for (const t of rs.tables) {
      const { handle: _h, use: _u, owner: _o, ...table } = t;
      out.push(this.addTable(table));
    }
    for (const c of rs.chains) {
      const { handle: _h, use: _u, id: _i, ...chain } = c;
      out.push(this.addChain(chain));
    }
    for (const o of rs.objects ?? []) {
      const { handle: _h, use: _u, ...obj } = o;
      out.push(this.addObject(obj as NftObject));
    }
    for (const f of rs.flowtables ?? []) {
      const { handle: _h, use: _u, ...ft } = f;
      out.push(this.addFlowtable(ft));
    }
    // Anonymous sets belong to the rule that binds them: each is recreated right before it.
    const anonymous = new Map<string, NftSet>();
    const addSetWithElements = (s: NftSet, name: string): AddSetOp => {
      const { handle: _h, id: _i, backend: _b, count: _c, elements, ...set } = s;
      const op = this.addSet({ ...set, name });
      out.push(op);
      if (elements && elements.length > 0) {
        out.push(this.addElements({ family: s.family, table: s.table, set: op, elements, raw: true }));
      }
      return op;
    };
    for (const s of rs.sets ?? []) {
      if (s.flags?.includes('anonymous')) anonymous.set(`${s.family}\0${s.table}\0${s.name}`, s);
      else addSetWithElements(s, s.name);
    }
    for (const r of rulesInBindingOrder(rs)) {
      let exprs = r.exprs;
      // A rule that names one anonymous set twice binds one set.
      const bound = new Map<string, AddSetOp>();
      r.exprs.forEach((e, i) => {
        const ref = e as { type: string; set?: unknown; setId?: unknown };
        if (typeof ref.set !== 'string' || !(ref.type === 'lookup' || ref.type === 'dynset' || ref.type === 'objref')) return;
        const s = anonymous.get(`${r.family}\0${r.table}\0${ref.set}`);
        if (!s) return;
        let op = bound.get(ref.set);
        if (!op) {
          // The kernel names it again: send its template ('__set%d', '__map%d') and refer to it by id.
          op = addSetWithElements(s, anonymousTemplate(s.name));
          bound.set(ref.set, op);
        }
        if (exprs === r.exprs) exprs = [...r.exprs];
        exprs[i] = { ...e, set: op.object.name, setId: op.setId } as typeof e;
      });
      out.push(this.addRule(ruleForRecreate(exprs === r.exprs ? r : { ...r, exprs })));
    }
    return out;
  }

  // --- sending --------------------------------------------------------------

  /** Sends the transaction as one atomic batch. Throws TransactionError if the kernel refuses any part; then nothing changed. */
  async commit(): Promise<CommitResult> {
    return this.send(false);
  }

  /** Dry run: the kernel validates every operation and reports what it would refuse; nothing changes. */
  async check(): Promise<CommitResult> {
    return this.send(true);
  }

  private async send(dryRun: boolean): Promise<CommitResult> {
    if (this.state !== 'open') throw new TransactionStateError('this transaction was already committed; start a new one');
    this.state = 'committing';
    try {
      const sets = new Map<string, Promise<NftSet>>();
      for (const op of this.toPrepare) {
        if (op instanceof RenameChainOp && op.resolvedHandle === undefined) {
          const o = op.object;
          op.resolvedHandle = await this.host.chainHandle({ family: o.family, table: o.table, name: o.name! });
        }
        if (op instanceof ElementsOp && !op.ready) {
          // Elements given as values of a set made elsewhere: read its types once per commit.
          const getSet = this.host.getSet;
          if (!getSet) throw new ValidationError('set', 'the set is not known; give `definition` or raw keys', op.label);
          try {
            await op.prepare((ref) => {
              const k = `${ref.family} ${ref.table} ${ref.name}`;
              let p = sets.get(k);
              if (!p) sets.set(k, (p = getSet(ref)));
              return p;
            });
          } catch (e) {
            if (e instanceof ValidationError) e.index = op.index;
            throw e;
          }
        }
      }
      const result = await runBatch(this.host.socket(), this.ops, {
        generation: this.options.generation,
        dryRun,
        echo: !dryRun && this.options.echo !== false,
      });
      this.state = dryRun ? 'open' : 'done';
      return result;
    } catch (e) {
      // A refused transaction changed nothing: it may be fixed and sent again.
      this.state = 'open';
      throw e;
    }
  }
}

/** A listed rule as something to add: what only the kernel decides is left out. */
export function ruleForRecreate(r: Rule): RuleSpec {
  const { handle: _h, position: _p, id: _i, positionId: _pi, ...rest } = r;
  return rest;
}

/**
 * The name to create an anonymous set under: the kernel's `__set0` becomes
 * the template `__set%d`; a meter's own name (`xyz`, `m1`) is kept.
 */
function anonymousTemplate(name: string): string {
  return /^__[a-z]+\d+$/.test(name) ? name.replace(/\d+$/, '%d') : name;
}

/**
 * The rules of a ruleset in an order the kernel accepts: a binding chain
 * (an anonymous `jump { … }` chain) takes no rules once the rule jumping to
 * it has bound it, so its rules come first, before those of the chain that
 * jumps to it (recursively, for binding chains inside binding chains).
 */
function rulesInBindingOrder(rs: RulesetInput): Rule[] {
  const rules = rs.rules ?? [];
  const key = (family: string, table: string, chain: string): string => `${family}\0${table}\0${chain}`;
  const binding = new Set(rs.chains.filter((c) => c.flags?.includes('binding')).map((c) => key(c.family, c.table, c.name)));
  if (binding.size === 0) return [...rules];
  const byChain = new Map<string, Rule[]>();
  for (const r of rules) {
    const k = key(r.family, r.table, r.chain);
    let list = byChain.get(k);
    if (!list) byChain.set(k, (list = []));
    list.push(r);
  }
  const out: Rule[] = [];
  const done = new Set<string>();
  const emit = (k: string): void => {
    if (done.has(k)) return;
    done.add(k);
    const list = byChain.get(k) ?? [];
    for (const r of list) {
      for (const e of r.exprs) {
        const d = (e as { type: string; data?: { chain?: unknown } }).data;
        if (e.type === 'immediate' && d && typeof d.chain === 'string') {
          const target = key(r.family, r.table, d.chain);
          if (binding.has(target)) emit(target);
        }
      }
    }
    out.push(...list);
  };
  for (const r of rules) emit(key(r.family, r.table, r.chain));
  return out;
}
