// nftlink: nf_tables over netlink, from TypeScript.

export { Nftables, NotFoundError, GenerationChangedError } from './client/nftables.js';
export type { NftablesOptions, Ruleset, ListOptions } from './client/nftables.js';
export { Transaction } from './client/transaction.js';
export type { TransactionOptions } from './client/transaction.js';
export type { Operation } from './client/operation.js';
export type { CommitResult, CommitTimings } from './client/commit.js';
export {
  TransactionError,
  GenerationConflictError,
  RepliesLostError,
  TransactionStateError,
} from './client/errors.js';
export type { OperationFailure } from './client/errors.js';
export { NftlinkError, DecodeError, ValidationError } from './errors.js';
export { NetlinkError, SocketError } from './netlink/message.js';
export { DumpInterruptedError } from './netlink/socket.js';
export type { Family } from './nftables/constants.js';
export type { Table, TableFlag, TableRef } from './nftables/table.js';
export type { Chain, ChainHook, ChainRef, ChainType, ChainPolicy, ChainFlag, HookName } from './nftables/chain.js';
export type { Generation } from './nftables/gen.js';
export { formatTable, formatChain } from './format/message.js';
export type { Rule } from './nftables/rule.js';
export { formatRule, encodeRule, decodeRule } from './nftables/rule.js';
export type { RuleSpec, RulePlacement, RuleRef } from './client/ops/rule.js';
export type { RuleFilter, RuleLocator } from './client/nftables.js';
export { formatExpr, dumpedRegister, normalizeRegisters, normalizeExprRegisters } from './nftables/expr/index.js';
export type {
  Expr, UnknownExpr, ExprExtras,
  PayloadExpr, PayloadBase, CmpExpr, CmpOp, ImmediateExpr, CounterExpr,
  MetaExpr, MetaKey, CtExpr, CtKey, CtDirection, BitwiseExpr, BitwiseOp, ByteorderExpr, ByteorderOp,
  RangeExpr, RangeOp, LookupExpr, DynsetExpr, DynsetOp, ObjrefExpr, ObjectType, LimitExpr, LimitType,
  QuotaExpr, ConnlimitExpr, LastExpr, HashExpr, HashType, NumgenExpr, NumgenMode, RtExpr, RtKey,
  SocketExpr, SocketKey, FibExpr, FibResult, OsfExpr, XfrmExpr, XfrmKey, XfrmDir,
} from './nftables/expr/index.js';
export type { DataValue, Verdict, VerdictCode } from './nftables/data.js';
