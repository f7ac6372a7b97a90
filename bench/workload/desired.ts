// The workload as a desired state for the reconciliation helper: the table
// a full sync would write for a given set of services, as chains with their
// rules and sets with their elements.

import type { DesiredChain, DesiredRule, DesiredSet, DesiredTable } from '../../src/client/reconcile.js';
import { FAMILY, Service, TABLE, type Shape } from './model.js';
import { setup, writeService } from './generate.js';
import type { ChainDef, ElementDef, RuleDef, SetDef, Sink } from './sink.js';

/** One live service: its index, endpoint count and endpoint generation (0 … 7). */
export interface ServiceState {
  i: number;
  endpoints: number;
  generation: number;
}

/** Writes the table a full sync writes for these services. */
export function writeServices(shape: Shape, services: Iterable<ServiceState>, out: Sink): void {
  setup(shape, out);
  for (const s of services) writeService(new Service(s.i, s.endpoints, s.generation), shape, out);
}

/** Collects a full sync's commands into a desired table (flushes are implied: chains hold exactly their rules). */
export class DesiredSink implements Sink {
  readonly chains = new Map<string, DesiredChain>();
  readonly sets = new Map<string, DesiredSet>();
  comment: string | undefined;

  addTable(comment: string): void {
    this.comment = comment;
  }
  addChain(c: ChainDef): void {
    if (this.chains.has(c.name)) return;
    const d: DesiredChain = { name: c.name, rules: [] };
    if (c.hook) d.hook = { type: c.hook.type, hook: c.hook.hook, priority: c.hook.priority };
    if (c.comment !== undefined) d.comment = c.comment;
    this.chains.set(c.name, d);
  }
  flushChain(): void {}
  deleteChain(name: string): void {
    throw new Error(`a desired state has no deletions (chain ${name})`);
  }
  addRule(chain: string, r: RuleDef): void {
    const c = this.chains.get(chain);
    if (!c) throw new Error(`rule for unknown chain ${chain}`);
    const d: DesiredRule = { exprs: r.exprs };
    if (r.comment !== undefined) d.comment = r.comment;
    if (r.anon) {
      const { family: _f, table: _t, ...set } = r.anon.set;
      d.anonymous = [{ set, expr: r.anon.lookupIndex }];
    }
    c.rules.push(d);
  }
  addSet(s: SetDef): void {
    if (!this.sets.has(s.set.name)) this.sets.set(s.set.name, { ...s.set, elements: [] });
  }
  flushSet(): void {}
  deleteSet(name: string): void {
    throw new Error(`a desired state has no deletions (set ${name})`);
  }
  addElement(set: string, e: ElementDef): void {
    const s = this.sets.get(set);
    if (!s) throw new Error(`element for unknown set ${set}`);
    s.elements.push(e.element);
  }
  deleteElement(set: string): void {
    throw new Error(`a desired state has no deletions (element of ${set})`);
  }

  table(): DesiredTable {
    return {
      family: FAMILY,
      name: TABLE,
      ...(this.comment !== undefined ? { comment: this.comment } : {}),
      chains: [...this.chains.values()],
      sets: [...this.sets.values()],
    };
  }
}

/** The desired table for these services. */
export function desiredTable(shape: Shape, services: Iterable<ServiceState>): DesiredTable {
  const d = new DesiredSink();
  writeServices(shape, services, d);
  return d.table();
}
