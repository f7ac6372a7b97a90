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
import { AddObjectOp, DelObjectOp } from './ops/object.js';
import { AddFlowtableOp, DelFlowtableOp } from './ops/flowtable.js';

/** What addRuleset takes: a listed ruleset, or any object with the same arrays. */
export interface RulesetInput {
  tables: Table[];
  chains: Chain[];
  /** Stateful objects (counters, quotas, ct helpers …). */
  objects?: NftObject[];
  flowtables?: Flowtable[];
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
}

export class Transaction {
  private readonly ops: Op[] = [];
  private state: 'open' | 'committing' | 'done' = 'open';

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

  // --- whole rulesets -------------------------------------------------------

  /**
   * Recreates a listed ruleset (from `nft.listRuleset()`): tables, then
   * chains, objects and flowtables, in the order objects must exist for later
   * ones to refer to them (object maps and rules name objects and flowtables,
   * so sets, elements and rules come after these). Read-only fields
   * (handles, use counts, owners) are not sent; object state (counter values,
   * quota usage) is, as `nft -f` of a listing restores it.
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
      for (const op of this.ops) {
        if (op instanceof RenameChainOp && op.resolvedHandle === undefined) {
          const o = op.object;
          op.resolvedHandle = await this.host.chainHandle({ family: o.family, table: o.table, name: o.name! });
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
