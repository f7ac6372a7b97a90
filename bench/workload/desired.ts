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

/**
 * Desired tables built the way a controller would: each service's chains
 * and elements are made once and reused while the service is unchanged, so
 * the reconciler's per-object caches make a sync cost what changed, not the
 * table's size.
 */
export class DesiredBuilder {
  private readonly skeleton: DesiredSink;
  private readonly perService = new Map<string, DesiredSink>();

  constructor(readonly shape: Shape) {
    this.skeleton = new DesiredSink();
    setup(shape, this.skeleton);
  }

  private service(s: ServiceState): DesiredSink {
    const key = `${s.i}/${s.endpoints}/${s.generation}`;
    let d = this.perService.get(key);
    if (!d) {
      d = new DesiredSink();
      // The service's elements go into sets its sink does not define: give it empty ones.
      for (const [name, set] of this.skeleton.sets) d.sets.set(name, { ...set, elements: [] });
      writeService(new Service(s.i, s.endpoints, s.generation), this.shape, d);
      this.perService.set(key, d);
    }
    return d;
  }

  table(services: Iterable<ServiceState>): DesiredTable {
    const chains: DesiredChain[] = [...this.skeleton.chains.values()];
    const elements = new Map<string, unknown[]>();
    const sets = new Map<string, DesiredSet>();
    for (const [name, set] of this.skeleton.sets) elements.set(name, [...set.elements]);
    const used = new Set<string>();
    for (const s of services) {
      const d = this.service(s);
      used.add(`${s.i}/${s.endpoints}/${s.generation}`);
      for (const c of d.chains.values()) chains.push(c);
      for (const [name, set] of d.sets) {
        if (this.skeleton.sets.has(name)) elements.get(name)!.push(...set.elements);
        else sets.set(name, set);
      }
    }
    // Forget services that are gone (their objects would only be kept alive).
    for (const k of this.perService.keys()) if (!used.has(k)) this.perService.delete(k);
    for (const [name, set] of this.skeleton.sets) sets.set(name, { ...set, elements: elements.get(name) as DesiredSet['elements'] });
    return { family: FAMILY, name: TABLE, ...(this.skeleton.comment !== undefined ? { comment: this.skeleton.comment } : {}), chains, sets: [...sets.values()] };
  }
}
