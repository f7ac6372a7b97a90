// Every expression kind, registered on import. Import this module (not the
// kinds one by one) to encode or decode expression lists.

export * from './registry.js';
export type { Expr, UnknownExpr, ExprExtras } from './types.js';
export * from './payload.js';
export * from './cmp.js';
export * from './immediate.js';
export * from './counter.js';
export * from './exthdr.js';
export * from './inner.js';
export * from './nat.js';
export * from './masq.js';
export * from './redir.js';
export * from './reject.js';
export * from './tproxy.js';
export * from './synproxy.js';
export * from './dup.js';
export * from './fwd.js';
export * from './queue.js';
export * from './notrack.js';
export * from './flow_offload.js';
export * from './tunnel.js';
export * from './log.js';
export * from './match.js';
export * from './target.js';
