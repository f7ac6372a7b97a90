// nftlink: nf_tables over netlink, from TypeScript.

export { Nftables, NotFoundError, GenerationChangedError } from './client/nftables.js';
export type { NftablesOptions, Ruleset, ListOptions } from './client/nftables.js';
export type { ListTableOptions, TableListing, RuleDumpStrategy } from './client/list.js';
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
export type { NftSet, SetRef, SetFlag, SetPolicy } from './nftables/set.js';
export type { SetElement } from './nftables/element.js';
export type { ElementsInput, SetDefinition } from './client/ops/element.js';
export type { ElementsRef, ElementListOptions } from './client/nftables.js';
export type { AddSetOp } from './client/ops/set.js';
export {
  parseValue,
  parseRange,
  parseVerdict,
  parseData,
  formatValue,
  formatRange,
  formatData,
  decodeValue,
  decodeRange,
  datatypeByName,
  datatypeById,
  datatypeNames,
  concatType,
  resolveType,
  keyTypeFromWire,
  formatDuration,
  parseDuration,
} from './nftables/datatypes.js';
export type { Datatype, KeyType, KeyField, TypeSpec, FieldSpec, ByteOrder, Value, ScalarValue, Range } from './nftables/datatypes.js';
export { formatSet, formatSetElements, formatElement } from './format/set.js';
export type { ObjectFilter, ObjectLookup } from './client/nftables.js';
export type {
  NftObject,
  ObjectType,
  ObjectRef,
  ObjectCommon,
  CounterObject,
  QuotaObject,
  LimitObject,
  LimitPer,
  ConnlimitObject,
  CtHelperObject,
  CtTimeoutObject,
  CtExpectationObject,
  SecmarkObject,
  SynproxyObject,
  SynproxyFlag,
  TunnelObject,
  TunnelFlag,
  TunnelOptions,
  GeneveOption,
  UnknownObject,
  L3Proto,
  L4Proto,
} from './nftables/object.js';
export { OBJECT_TYPES, CT_TIMEOUT_STATES, NFT_CT_TIMEOUT_DEFAULTS } from './nftables/object.js';
export type { Flowtable, FlowtableRef, FlowtableFlag } from './nftables/flowtable.js';
export { formatObject, formatFlowtable } from './format/object.js';
export type { Rule } from './nftables/rule.js';
export { formatRule, encodeRule, decodeRule } from './nftables/rule.js';
export type { RuleSpec, RulePlacement, RuleRef } from './client/ops/rule.js';
export type { RuleFilter, RuleLocator } from './client/nftables.js';
export { formatExpr, dumpedRegister, normalizeRegisters, normalizeExprRegisters, resolveValues } from './nftables/expr/index.js';
export { ruleForRecreate } from './client/transaction.js';
export {
  NFT_EXTHDR_F_PRESENT, NFT_INNER_HDRSIZE, NFT_INNER_LL, NFT_INNER_NH, NFT_INNER_TH,
  NF_NAT_RANGE_MAP_IPS, NF_NAT_RANGE_PROTO_SPECIFIED, NF_NAT_RANGE_PROTO_RANDOM, NF_NAT_RANGE_PERSISTENT,
  NF_NAT_RANGE_PROTO_RANDOM_FULLY, NF_NAT_RANGE_PROTO_OFFSET, NF_NAT_RANGE_NETMAP,
  NFT_REJECT_ICMPX_NO_ROUTE, NFT_REJECT_ICMPX_PORT_UNREACH, NFT_REJECT_ICMPX_HOST_UNREACH, NFT_REJECT_ICMPX_ADMIN_PROHIBITED,
  NF_SYNPROXY_OPT_MSS, NF_SYNPROXY_OPT_WSCALE, NF_SYNPROXY_OPT_SACK_PERM, NF_SYNPROXY_OPT_TIMESTAMP, NF_SYNPROXY_OPT_ECN,
  NFT_QUEUE_FLAG_BYPASS, NFT_QUEUE_FLAG_CPU_FANOUT,
  NF_LOG_TCPSEQ, NF_LOG_TCPOPT, NF_LOG_IPOPT, NF_LOG_UID, NF_LOG_MACDECODE, LOG_LEVELS,
} from './nftables/expr/index.js';
export type {
  Expr, UnknownExpr, ExprExtras,
  PayloadExpr, PayloadBase, CmpExpr, CmpOp, ImmediateExpr, CounterExpr,
  MetaExpr, MetaKey, CtExpr, CtKey, CtDirection, BitwiseExpr, BitwiseOp, ByteorderExpr, ByteorderOp,
  RangeExpr, RangeOp, LookupExpr, DynsetExpr, DynsetOp, ObjrefExpr, LimitExpr, LimitType,
  QuotaExpr, ConnlimitExpr, LastExpr, HashExpr, HashType, NumgenExpr, NumgenMode, RtExpr, RtKey,
  SocketExpr, SocketKey, FibExpr, FibResult, OsfExpr, XfrmExpr, XfrmKey, XfrmDir,
  ExprInput, ExprValue, TypedCmpExpr, TypedRangeExpr, TypedBitwiseExpr, TypedImmediateExpr,
  ExthdrExpr, ExthdrOp, InnerExpr, InnerTunnel, NatExpr, MasqExpr, RedirExpr, RejectExpr, RejectType, TproxyExpr,
  SynproxyExpr, DupExpr, FwdExpr, QueueExpr, NotrackExpr, FlowOffloadExpr, TunnelExpr, TunnelKey, TunnelMode, LogExpr,
  MatchExpr, TargetExpr,
} from './nftables/expr/index.js';
export type { DataValue, Verdict, VerdictCode } from './nftables/data.js';
export { Monitor, generationAfter } from './client/monitor.js';
export type {
  MonitorOptions,
  MonitorEvent,
  TransactionMonitorEvent,
  ChangeEvent,
  GenerationEvent,
  TransactionEvent,
  OverrunEvent,
  SnapshotEvent,
  ProcessInfo,
} from './client/monitor.js';
export { readTableState, TableCache } from './client/watch.js';
export type { TableWatch, TableState, WatchOptions } from './client/watch.js';
export { Tracer } from './client/trace.js';
export type { TraceOptions, TraceRecord, TraceStep, TraceOutput, TraceOverrunEvent, InterfaceInfo } from './client/trace.js';
export type { ChangeKind, ChangeOp, RawObject } from './nftables/events.js';
export type { TraceEvent, PacketInfo, LinkHeader, NetworkHeader, TransportHeader } from './nftables/trace.js';
export { decodeTrace, decodePacket } from './nftables/trace.js';
export { Reconciler, CacheSource, WatchSource, kernelSource, canonicalExpr, stateFromListing } from './client/reconcile.js';
export type {
  ReconcilerOptions,
  DesiredTable,
  DesiredChain,
  DesiredRule,
  DesiredSet,
  AnonymousSet,
  StateSource,
  ReconcileState,
  ObservedChain,
  ObservedSet,
  SyncResult,
} from './client/reconcile.js';

// The CLI's printers, for programs that print what the CLI prints.
export { formatMonitorEvent, formatTrace, formatChange } from './format/events.js';
export { formatListingDebug, type Listing } from './format/list.js';
export { formatRuleDebug } from './format/rule.js';
export { stringifyJSON } from './format/json.js';
