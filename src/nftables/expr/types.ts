// The expression union. Each kind's interface lives in its own module; this
// file gathers them so `Expr` is one discriminated union on `type`.

import type { PayloadExpr } from './payload.js';
import type { CmpExpr } from './cmp.js';
import type { ImmediateExpr } from './immediate.js';
import type { CounterExpr } from './counter.js';

/** An expression this library does not know (or could not parse), kept as the raw NFTA_EXPR_DATA payload. */
export interface UnknownExpr {
  type: 'unknown';
  /** NFTA_EXPR_NAME. */
  name: string;
  /** NFTA_EXPR_DATA payload, re-sent unchanged. */
  data?: Uint8Array;
  /** Why a known kind fell back to raw, when it did. */
  decodeError?: string;
}

/** Fields every decoded expression may carry. */
export interface ExprExtras {
  /** Attributes this library has no name for, header included, re-sent unchanged. */
  unknownAttrs?: Uint8Array[];
}

export type Expr =
  | PayloadExpr
  | CmpExpr
  | ImmediateExpr
  | CounterExpr
  | UnknownExpr;
