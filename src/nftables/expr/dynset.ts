// dynset: add, update or delete the register's key in a set from the packet
// path (meters, `update @set { ip saddr counter }`), optionally with per-element
// expressions and a timeout.

import { ValidationError } from '../../errors.js';
import { enumValue, printName } from './common.js';
import { defineExpr, formatExpr, registerExpr } from './registry.js';
import type { Expr, ExprExtras } from './types.js';

/** NFT_DYNSET_OP_ADD 0, UPDATE 1, DELETE 2. */
export const DYNSET_OPS = ['add', 'update', 'delete'] as const;
export type DynsetOp = (typeof DYNSET_OPS)[number];

/** NFT_DYNSET_F_INV: match when the element is absent (delete). */
export const NFT_DYNSET_F_INV = 0x1;
/** NFT_DYNSET_F_EXPR: the element carries expressions. */
export const NFT_DYNSET_F_EXPR = 0x2;

export interface DynsetExpr extends ExprExtras {
  type: 'dynset';
  op: DynsetOp | number;
  /** The set's name; with setId for a set of the same transaction. */
  set?: string;
  /** In-batch id of a set created in the same transaction. */
  setId?: number;
  /** Register holding the key. */
  sregKey: number;
  /** Maps: register holding the data. */
  sregData?: number;
  /** Element timeout in milliseconds (0: the set's default). */
  timeout?: number | bigint;
  /** One expression attached to each element (NFTA_DYNSET_EXPR). */
  expr?: Expr;
  /** Several expressions attached to each element (NFTA_DYNSET_EXPRESSIONS, 5.11+). */
  exprs?: Expr[];
  /** NFT_DYNSET_F_*. */
  flags?: number;
}

const declared = defineExpr<DynsetExpr>('dynset', [
  // libnftnl's order.
  { attr: 4, name: 'NFTA_DYNSET_SREG_KEY', key: 'sregKey', kind: 'reg', required: true },
  { attr: 5, name: 'NFTA_DYNSET_SREG_DATA', key: 'sregData', kind: 'reg' },
  { attr: 3, name: 'NFTA_DYNSET_OP', key: 'op', kind: { enum: { 0: 'add', 1: 'update', 2: 'delete' } }, required: true },
  { attr: 6, name: 'NFTA_DYNSET_TIMEOUT', key: 'timeout', kind: 'u64' },
  { attr: 1, name: 'NFTA_DYNSET_SET_NAME', key: 'set', kind: 'str' },
  { attr: 2, name: 'NFTA_DYNSET_SET_ID', key: 'setId', kind: 'u32' },
  { attr: 7, name: 'NFTA_DYNSET_EXPR', key: 'expr', kind: 'expr' },
  { attr: 10, name: 'NFTA_DYNSET_EXPRESSIONS', key: 'exprs', kind: 'exprs' },
  { attr: 9, name: 'NFTA_DYNSET_FLAGS', key: 'flags', kind: 'u32' },
  { attr: 8, name: 'NFTA_DYNSET_PAD', key: '', kind: 'pad' },
], (e) => {
  let s = `${printName(DYNSET_OPS, enumValue(DYNSET_OPS, e.op))} reg_key ${e.sregKey ?? 0} set ${e.set ?? '(null)'} `;
  if (e.sregData !== undefined) s += `sreg_data ${e.sregData} `;
  if (e.timeout !== undefined) s += `timeout ${e.timeout}ms `;
  // libnftnl keeps one list for both attributes.
  if (e.expr) s += `expr ${formatExpr(e.expr)} `;
  if (Array.isArray(e.exprs)) for (const x of e.exprs) s += `expr ${formatExpr(x)} `;
  return s;
}, {
  validate(e, field) {
    if (e.set === undefined && e.setId === undefined) throw new ValidationError(`${field}.set`, 'a dynset names its set (set, or setId for a set of the same transaction)');
    if (e.expr !== undefined && e.exprs !== undefined) throw new ValidationError(`${field}.exprs`, 'give expr or exprs, not both');
  },
});

export const dynsetCodec = registerExpr<DynsetExpr>({
  ...declared,
  encode(w, e) {
    let out = e;
    // The kernel dumps a timeout of 0 ("the set's own") but refuses any
    // timeout for a set without timeouts: 0 and absent mean the same, send neither.
    if (e.timeout === 0 || e.timeout === 0n) out = { ...out, timeout: undefined };
    // NFTA_DYNSET_EXPRESSIONS is only taken with NFT_DYNSET_F_EXPR, which the
    // kernel's dump leaves out: set it whenever the list is sent.
    if (Array.isArray(e.exprs) && e.exprs.length > 0 && !((e.flags ?? 0) & NFT_DYNSET_F_EXPR)) {
      out = { ...out, flags: (e.flags ?? 0) | NFT_DYNSET_F_EXPR };
    }
    declared.encode(w, out);
  },
});
