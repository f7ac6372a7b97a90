// The expression union. Each kind's interface lives in its own module; this
// file gathers them so `Expr` is one discriminated union on `type`.

import type { PayloadExpr } from './payload.js';
import type { CmpExpr } from './cmp.js';
import type { ImmediateExpr } from './immediate.js';
import type { CounterExpr } from './counter.js';
import type { MetaExpr } from './meta.js';
import type { CtExpr } from './ct.js';
import type { BitwiseExpr } from './bitwise.js';
import type { ByteorderExpr } from './byteorder.js';
import type { RangeExpr } from './range.js';
import type { LookupExpr } from './lookup.js';
import type { DynsetExpr } from './dynset.js';
import type { ObjrefExpr } from './objref.js';
import type { LimitExpr } from './limit.js';
import type { QuotaExpr } from './quota.js';
import type { ConnlimitExpr } from './connlimit.js';
import type { LastExpr } from './last.js';
import type { HashExpr } from './hash.js';
import type { NumgenExpr } from './numgen.js';
import type { RtExpr } from './rt.js';
import type { SocketExpr } from './socket.js';
import type { FibExpr } from './fib.js';
import type { OsfExpr } from './osf.js';
import type { XfrmExpr } from './xfrm.js';
import type { ExthdrExpr } from './exthdr.js';
import type { InnerExpr } from './inner.js';
import type { NatExpr } from './nat.js';
import type { MasqExpr } from './masq.js';
import type { RedirExpr } from './redir.js';
import type { RejectExpr } from './reject.js';
import type { TproxyExpr } from './tproxy.js';
import type { SynproxyExpr } from './synproxy.js';
import type { DupExpr } from './dup.js';
import type { FwdExpr } from './fwd.js';
import type { QueueExpr } from './queue.js';
import type { NotrackExpr } from './notrack.js';
import type { FlowOffloadExpr } from './flow_offload.js';
import type { TunnelExpr } from './tunnel.js';
import type { LogExpr } from './log.js';
import type { MatchExpr } from './match.js';
import type { TargetExpr } from './target.js';

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
  | MetaExpr
  | CtExpr
  | BitwiseExpr
  | ByteorderExpr
  | RangeExpr
  | LookupExpr
  | DynsetExpr
  | ObjrefExpr
  | LimitExpr
  | QuotaExpr
  | ConnlimitExpr
  | LastExpr
  | HashExpr
  | NumgenExpr
  | RtExpr
  | SocketExpr
  | FibExpr
  | OsfExpr
  | XfrmExpr
  | ExthdrExpr
  | InnerExpr
  | NatExpr
  | MasqExpr
  | RedirExpr
  | RejectExpr
  | TproxyExpr
  | SynproxyExpr
  | DupExpr
  | FwdExpr
  | QueueExpr
  | NotrackExpr
  | FlowOffloadExpr
  | TunnelExpr
  | LogExpr
  | MatchExpr
  | TargetExpr
  | UnknownExpr;
