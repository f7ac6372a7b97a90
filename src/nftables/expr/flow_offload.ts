// flow_offload: add the packet's connection to a flowtable (`flow add @ft`),
// so later packets take the fast path.

import { defineExpr, registerExpr } from './registry.js';
import type { ExprExtras } from './types.js';

export const NFTA_FLOW_TABLE_NAME = 1;

export interface FlowOffloadExpr extends ExprExtras {
  type: 'flow_offload';
  /** NFTA_FLOW_TABLE_NAME: the flowtable, in the rule's table. */
  flowtable: string;
}

export const flowOffloadCodec = registerExpr(defineExpr<FlowOffloadExpr>('flow_offload', [
  { attr: NFTA_FLOW_TABLE_NAME, name: 'NFTA_FLOW_TABLE_NAME', key: 'flowtable', kind: 'str', required: true },
], (e) => `flowtable ${e.flowtable} `));
