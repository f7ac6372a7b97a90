// Rule operations: add (append, or after/before a reference rule), insert,
// replace, delete, destroy. Placement follows the kernel: NLM_F_APPEND with a
// reference means "after it", without it "before it"; the reference is a
// handle (NFTA_RULE_POSITION) or a rule of the same batch (NFTA_RULE_POSITION_ID).

import { ValidationError } from '../../errors.js';
import { hostU16 } from '../../netlink/attr.js';
import { NFGENMSG_LEN, NLA_TYPE_MASK, NLM_F_APPEND, NLM_F_CREATE, NLM_F_REPLACE, NLMSG_HDRLEN } from '../../netlink/constants.js';
import { NFT_MSG_DELRULE, NFT_MSG_DESTROYRULE, NFT_MSG_NEWRULE } from '../../nftables/constants.js';
import { formatExpr, resolveValues, validateExprs, type Expr, type ExprInput } from '../../nftables/expr/index.js';
import { encodeRule, NFTA_RULE_CHAIN, NFTA_RULE_EXPRESSIONS, NFTA_RULE_HANDLE, NFTA_RULE_ID, NFTA_RULE_TABLE, type Rule } from '../../nftables/rule.js';
import type { BatchBuilder, MessageRecord } from '../batch.js';
import { checkComment, checkFamily, checkHandle, checkName, checkUserdata, echoFlag, labelOf, Op, type Operation } from '../operation.js';

/**
 * A rule to write: what `listRules` returns, or the same fields built by hand
 * (what only the kernel decides, like `position` in dumps, is not sent). The
 * chain is named, or given by `chainId` for a chain of the same transaction.
 */
export type RuleSpec = Omit<Rule, 'id' | 'positionId' | 'position' | 'chain' | 'exprs'> & {
  chain?: string;
  position?: number;
  /** The expressions; cmp, range, bitwise and immediate operands may be typed values (see expr/values.ts). */
  exprs: ExprInput[];
};

/** Where a new rule goes, relative to another rule of its chain. */
export interface RulePlacement {
  /** After this rule: its handle, or a rule added earlier in the same transaction. */
  after?: number | Operation<RuleSpec>;
  /** Before this rule: its handle, or a rule added earlier in the same transaction. */
  before?: number | Operation<RuleSpec>;
}

/** Names a rule to delete: by handle, or a rule added earlier in the same transaction. */
export interface RuleRef {
  family: Rule['family'];
  table: string;
  chain: string;
  handle: number | Operation<RuleSpec>;
}

export type RuleOpKind = 'addRule' | 'insertRule' | 'replaceRule';

/**
 * Each expression's start in a NEWRULE message, then the end of the last
 * one, as offsets from the message start.
 */
function expressionMarks(buf: Uint8Array, start: number, end: number): number[] | undefined {
  let p = start + NLMSG_HDRLEN + NFGENMSG_LEN;
  while (p + 4 <= end) {
    const len = hostU16(buf, p);
    if (len < 4) return undefined;
    if ((hostU16(buf, p + 2) & NLA_TYPE_MASK) === NFTA_RULE_EXPRESSIONS) {
      const marks: number[] = [];
      let q = p + 4;
      const e = Math.min(end, p + len);
      while (q + 4 <= e) {
        const l = hostU16(buf, q);
        if (l < 4) break;
        marks.push(q - start);
        q += (l + 3) & ~3;
      }
      marks.push(Math.min(q, e) - start);
      return marks;
    }
    p += (len + 3) & ~3;
  }
  return undefined;
}

/** In-batch ids of rule and chain operations: unique per transaction because op indexes are. */
export function batchIdOf(op: { index: number }): number {
  return op.index + 1;
}

/** Validates a rule; returns its expressions with typed values written as bytes. */
export function validateRuleSpec(r: RuleSpec, op: string): Expr[] {
  if (typeof r !== 'object' || r === null) throw new ValidationError('rule', 'must be a rule object { family, table, chain, exprs }', op);
  checkFamily(r.family, op);
  checkName('table', r.table, op);
  if (r.chainId === undefined || r.chain !== undefined) checkName('chain', r.chain, op);
  if (r.chainId !== undefined && (!Number.isInteger(r.chainId) || r.chainId < 0 || r.chainId > 0xffffffff)) {
    throw new ValidationError('chainId', 'must be a u32 in-batch chain id', op);
  }
  const exprs = resolveValues(r.exprs, 'exprs', op);
  validateExprs(exprs, 'exprs', op);
  checkComment(r.comment, op);
  checkUserdata(r.userdata, op);
  if (r.compat !== undefined && (typeof r.compat !== 'object' || r.compat === null || !Number.isInteger(r.compat.proto) || !Number.isInteger(r.compat.flags))) {
    throw new ValidationError('compat', 'must be { proto, flags } integers', op);
  }
  return exprs;
}

export class AddRuleOp extends Op<RuleSpec> {
  /** Set when a later operation refers to this rule: it then carries NFTA_RULE_ID. */
  referenced = false;
  private readonly append: boolean;
  private readonly positionHandle: number | undefined;
  private readonly positionOp: AddRuleOp | undefined;
  /** The expressions as sent (typed values written as bytes). */
  readonly exprs: Expr[];

  constructor(kind: RuleOpKind, r: RuleSpec, placement: RulePlacement, ops: readonly Op[]) {
    const label = labelOf(kind, r?.family, r?.table, r?.chain ?? (r?.chainId !== undefined ? `chain id ${r.chainId}` : undefined))
      + (kind === 'replaceRule' && r?.handle !== undefined ? ` handle ${r.handle}` : '');
    const exprs = validateRuleSpec(r, label);
    if (typeof placement !== 'object' || placement === null) throw new ValidationError('placement', 'must be { after } or { before }', label);
    const { after, before } = placement;
    if (after !== undefined && before !== undefined) throw new ValidationError('placement', 'give after or before, not both', label);
    const ref = after ?? before;
    let positionHandle: number | undefined;
    let positionOp: AddRuleOp | undefined;
    if (kind === 'replaceRule') {
      checkHandle('handle', r.handle, label);
      if (ref !== undefined) throw new ValidationError('placement', 'a replaced rule keeps its place', label);
    } else if (typeof ref === 'number') {
      checkHandle(after !== undefined ? 'after' : 'before', ref, label);
      positionHandle = ref;
    } else if (ref !== undefined) {
      if (!(ref instanceof AddRuleOp) || ops[ref.index] !== ref || ref.kind === 'replaceRule') {
        throw new ValidationError(after !== undefined ? 'after' : 'before', 'must be a rule handle or a rule added earlier in this transaction', label);
      }
      positionOp = ref;
    }
    super(kind, r, label);
    // add: at the end, or right after the reference; insert: at the head, or right before it.
    this.append = kind === 'addRule' ? before === undefined : after !== undefined;
    this.positionHandle = positionHandle;
    this.positionOp = positionOp;
    this.exprs = exprs;
    if (positionOp) positionOp.referenced = true;
  }

  encode(b: BatchBuilder, echo: boolean): void {
    const r = this.object;
    const replace = this.kind === 'replaceRule';
    const flags = (replace ? NLM_F_REPLACE : NLM_F_CREATE | (this.append ? NLM_F_APPEND : 0)) | echoFlag(echo);
    const rec = b.message(NFT_MSG_NEWRULE, flags, r.family);
    let rule: Rule;
    const spec = r as Rule;
    if (!replace && this.exprs === r.exprs && spec.handle === undefined && spec.position === undefined && spec.id === undefined && spec.positionId === undefined
      && this.positionHandle === undefined && !this.positionOp && !this.referenced) {
      // The usual append: the caller's object holds exactly what is sent (a large bootstrap has tens of thousands).
      rule = spec;
    } else {
      // Without a name the chain goes by chainId alone.
      rule = { family: r.family, table: r.table, chain: r.chain as string, exprs: this.exprs };
      if (replace) rule.handle = r.handle!;
      if (r.chainId !== undefined) rule.chainId = r.chainId;
      if (r.comment !== undefined) rule.comment = r.comment;
      if (r.userdata !== undefined) rule.userdata = r.userdata;
      if (r.compat !== undefined) rule.compat = r.compat;
      if (this.positionHandle !== undefined) rule.position = this.positionHandle;
      if (this.positionOp) rule.positionId = batchIdOf(this.positionOp);
      if (this.referenced) rule.id = batchIdOf(this);
    }
    // Where each expression is only matters when the kernel refuses the rule:
    // found again in the batch then (a bootstrap writes tens of thousands of rules).
    encodeRule(b.w, rule);
    b.close(rec);
  }

  /** The index of the expression an error offset (from the message start) falls in, if it falls in one. */
  override expressionAt(rec: MessageRecord, offset: number): number | undefined {
    const marks = rec.marks ?? (rec.buf ? expressionMarks(rec.buf, rec.start, rec.end) : undefined);
    if (!marks) return undefined;
    // marks: each expression's start, then the end of the last one.
    for (let i = 0; i + 1 < marks.length; i++) {
      if (offset >= marks[i]! && offset < marks[i + 1]!) return i;
    }
    return undefined;
  }

  override detail(rec: MessageRecord, offset: number): string | undefined {
    const i = this.expressionAt(rec, offset);
    if (i === undefined) return undefined;
    const e = this.exprs[i];
    return e ? `expression #${i}: ${formatExpr(e)}` : `expression #${i}`;
  }
}

export class DelRuleOp extends Op<RuleRef> {
  constructor(r: RuleRef, private readonly destroy: boolean, ops: readonly Op[]) {
    const kind = destroy ? 'destroyRule' : 'deleteRule';
    const label = labelOf(kind, r?.family, r?.table, r?.chain) + (typeof r?.handle === 'number' ? ` handle ${r.handle}` : '');
    if (typeof r !== 'object' || r === null) throw new ValidationError('rule', 'must be { family, table, chain, handle }', label);
    checkFamily(r.family, label);
    checkName('table', r.table, label);
    checkName('chain', r.chain, label);
    if (typeof r.handle === 'number') checkHandle('handle', r.handle, label);
    else if (!(r.handle instanceof AddRuleOp) || ops[r.handle.index] !== r.handle) {
      throw new ValidationError('handle', 'must be a rule handle or a rule added earlier in this transaction', label);
    }
    super(kind, r, label);
    if (r.handle instanceof AddRuleOp) r.handle.referenced = true;
  }
  override echoes(): number {
    return 0;
  }
  encode(b: BatchBuilder): void {
    const r = this.object;
    const rec = b.message(this.destroy ? NFT_MSG_DESTROYRULE : NFT_MSG_DELRULE, 0, r.family);
    b.w.str(NFTA_RULE_TABLE, r.table);
    b.w.str(NFTA_RULE_CHAIN, r.chain);
    if (typeof r.handle === 'number') b.w.u64(NFTA_RULE_HANDLE, r.handle);
    else b.w.u32(NFTA_RULE_ID, batchIdOf(r.handle as AddRuleOp));
    b.close(rec);
  }
}
