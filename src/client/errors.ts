// Errors of transactions: which operations the kernel refused, and why.

import { NftlinkError } from '../errors.js';
import { errnoText } from '../netlink/message.js';

export interface OperationFailure {
  /** Index of the operation in its transaction (-1 for the batch itself). */
  index: number;
  /** The operation's kind, e.g. 'addChain'. */
  kind: string;
  /** What it was, e.g. 'addChain inet t c'. */
  label: string;
  errno: number;
  /** errno name, e.g. 'ENOENT'. */
  code: string;
  /** The kernel's extended-ack message, when it sent one. */
  kernelMessage?: string;
  /** Byte offset the extended ack pointed at, from the start of the message. */
  offset?: number;
  /** The attribute at that offset, e.g. 'NFTA_CHAIN_HOOK > NFTA_HOOK_PRIORITY'. */
  attribute?: string;
  /** More precise: the element, expression … the offset falls in, e.g. 'element #17 (10.0.0.1)'. */
  detail?: string;
  /** For rules: the index (in `exprs`) of the expression the kernel refused. */
  expression?: number;
}

function describe(f: OperationFailure): string {
  const who = f.index >= 0 ? `#${f.index} ${f.label}` : f.label;
  let s = `${who}: ${f.code} (${errnoText(f.errno)})`;
  if (f.kernelMessage) s += ` (${f.kernelMessage})`;
  if (f.attribute) s += ` at ${f.attribute}`;
  if (f.detail) s += `, ${f.detail}`;
  return s;
}

/** How many failures the error message spells out. */
const MESSAGE_FAILURES = 20;

/** The kernel rejected the batch; nothing was applied. */
export class TransactionError extends NftlinkError {
  readonly failures: OperationFailure[];
  constructor(failures: OperationFailure[], code = 'ERR_NFTLINK_TRANSACTION', headline?: string) {
    const head = headline ?? `transaction rejected, nothing was applied (${failures.length} failing operation${failures.length === 1 ? '' : 's'})`;
    // The message stays readable for huge batches; `failures` has them all.
    const shown = failures.slice(0, MESSAGE_FAILURES).map((f) => '  ' + describe(f));
    if (failures.length > MESSAGE_FAILURES) shown.push(`  … and ${failures.length - MESSAGE_FAILURES} more (see .failures)`);
    super(code, [head, ...shown].join('\n'));
    this.failures = failures;
  }
  /** errno of the first failure. */
  get errno(): number {
    return this.failures[0]?.errno ?? 0;
  }
}

/** The transaction named a generation and somebody committed since (ERESTART). */
export class GenerationConflictError extends TransactionError {
  readonly expected: number;
  constructor(expected: number, failures: OperationFailure[]) {
    super(failures, 'ERR_NFTLINK_GENERATION_CONFLICT',
      `generation conflict: the transaction expected generation ${expected}, but the ruleset changed since; nothing was applied`);
    this.expected = expected;
  }
}

/**
 * Replies were lost (ENOBUFS) while reading the outcome of a commit. The
 * transaction is atomic, so it either fully applied or not at all;
 * `committed` says which, when the generation could tell.
 */
export class RepliesLostError extends NftlinkError {
  readonly committed: boolean | undefined;
  constructor(committed: boolean | undefined, cause: unknown) {
    super('ERR_NFTLINK_REPLIES_LOST',
      `replies to the commit were lost (ENOBUFS); the transaction ${committed === undefined ? 'may or may not have been applied' : committed ? 'was applied' : 'was not applied'}`,
      { cause });
    this.committed = committed;
  }
}

/** A transaction was used after it was committed. */
export class TransactionStateError extends NftlinkError {
  constructor(message: string) {
    super('ERR_NFTLINK_TRANSACTION_STATE', message);
  }
}
