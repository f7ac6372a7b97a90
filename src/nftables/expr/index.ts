// Every expression kind, registered on import. Import this module (not the
// kinds one by one) to encode or decode expression lists.

export * from './registry.js';
export type { Expr, UnknownExpr, ExprExtras } from './types.js';
export * from './payload.js';
export * from './cmp.js';
export * from './immediate.js';
export * from './counter.js';
