// The kube-proxy workload generator: one description of the ruleset and its
// partial syncs, written as nft text or as nftlink operations.

export * from './model.js';
export * from './generate.js';
export * from './sink.js';

import type { Transaction } from '../../src/client/transaction.js';
import { TextSink, TransactionSink, type Sink } from './sink.js';
import { namedSets } from './generate.js';
import type { Shape } from './model.js';
import type { SetDefinition } from '../../src/client/ops/element.js';

const KNOWN = new Map<Shape, Map<string, SetDefinition>>();
function known(shape: Shape): Map<string, SetDefinition> {
  let m = KNOWN.get(shape);
  if (!m) KNOWN.set(shape, (m = namedSets(shape) as Map<string, SetDefinition>));
  return m;
}

/** Runs a generator into a transaction (element changes grouped per set at the end). */
export function fillTransaction(tx: Transaction, write: (out: Sink) => void, shape: Shape = 'v136'): { tx: Transaction; commands: number } {
  // The v1.36 definitions are a superset of v1.35's (they add the hairpin set).
  const sink = new TransactionSink(tx, known(shape));
  write(sink);
  sink.finish();
  return { tx, commands: sink.commands };
}

/** Runs a generator into nft text. */
export function nftText(write: (out: Sink) => void): { text: string; commands: number } {
  const sink = new TextSink();
  write(sink);
  return { text: sink.text(), commands: sink.commands };
}
export * from './desired.js';
