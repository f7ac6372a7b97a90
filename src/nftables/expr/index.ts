// Every expression kind, registered on import. Import this module (not the
// kinds one by one) to encode or decode expression lists.

export * from './registry.js';
export type { Expr, UnknownExpr, ExprExtras } from './types.js';
export * from './payload.js';
export * from './cmp.js';
export * from './immediate.js';
export * from './counter.js';
export * from './meta.js';
export * from './ct.js';
export * from './bitwise.js';
export * from './byteorder.js';
export * from './range.js';
export * from './lookup.js';
export * from './dynset.js';
export * from './objref.js';
export * from './limit.js';
export * from './quota.js';
export * from './connlimit.js';
export * from './last.js';
export * from './hash.js';
export * from './numgen.js';
export * from './rt.js';
export * from './socket.js';
export * from './fib.js';
export * from './osf.js';
export * from './xfrm.js';
export * from './registers.js';
