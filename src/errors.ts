// Error classes shared by every layer. Each has a stable `code`; `instanceof`
// works across two copies of the package through a Symbol.for brand.

const BRAND = Symbol.for('nftlink.error');

export class NftlinkError extends Error {
  /** A stable machine-readable code, e.g. 'ERR_NFTLINK_DECODE' or an errno name like 'ENOENT'. */
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
  get [BRAND](): string {
    return this.name;
  }
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    const brand = (value as Record<symbol, unknown>)[BRAND];
    if (typeof brand !== 'string') return false;
    // `this` is the class `instanceof` was asked about: walk the value's
    // prototype chain by name, so subclasses from another copy still match.
    if (this === NftlinkError) return true;
    let proto: object | null = Object.getPrototypeOf(value);
    while (proto !== null) {
      if ((proto as { constructor?: { name?: string } }).constructor?.name === this.name) return true;
      proto = Object.getPrototypeOf(proto);
    }
    return false;
  }
}

/** Bytes that do not parse: truncated, overlong or inconsistent input. */
export class DecodeError extends NftlinkError {
  /** Byte offset in the input where the problem was found. */
  readonly offset: number;
  /** What was being decoded, outermost first, e.g. ['NEWRULE', 'NFTA_RULE_EXPRESSIONS', 'payload']. */
  readonly path: string[];
  constructor(message: string, offset: number, path: string[] = []) {
    super('ERR_NFTLINK_DECODE', `${path.length ? path.join(' > ') + ': ' : ''}${message} (at byte ${offset})`);
    this.offset = offset;
    this.path = path;
  }
}

/** Input rejected before anything was sent. */
export class ValidationError extends NftlinkError {
  /** The field that was wrong, e.g. 'name' or 'hook.hook'. */
  readonly field: string;
  /** The operation it belongs to, e.g. 'addChain inet t c', when known. */
  operation?: string;
  /** Index of the operation in its transaction, when known. */
  index?: number;
  constructor(field: string, message: string, operation?: string) {
    super('ERR_NFTLINK_VALIDATION', `${operation ? operation + ': ' : ''}${field}: ${message}`);
    this.field = field;
    if (operation !== undefined) this.operation = operation;
  }
}
