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
