// A bounded queue read as an async iterator: producers (socket callbacks)
// push, one consumer pulls with for-await. The queue counts a weight per item
// (events, not transactions) so a producer can stop reading its socket when
// the consumer falls behind and go on once it catches up.

export interface StreamHooks {
  /** Called once when the iteration ends for any reason (abort, break, failure, end). */
  onClose(): void;
  /** Called after a pull leaves at most half the limit queued. */
  onDrain?(): void;
}

export class EventStream<T> implements AsyncIterableIterator<T> {
  private items: { item: T; weight: number }[] = [];
  private head = 0;
  private queuedWeight = 0;
  private wake: (() => void) | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;
  private closed = false;
  private readonly signal: AbortSignal | undefined;
  private readonly onAbort = (): void => this.close();

  constructor(
    private readonly hooks: StreamHooks,
    readonly limit: number,
    signal?: AbortSignal,
  ) {
    this.signal = signal;
    if (signal?.aborted) {
      // Nothing will be read; the producer still gets its onClose.
      queueMicrotask(() => this.close());
    } else {
      signal?.addEventListener('abort', this.onAbort, { once: true });
    }
  }

  /** Queued weight (events not yet pulled). */
  get weight(): number {
    return this.queuedWeight;
  }

  /** Whether a producer should stop reading until onDrain. */
  get full(): boolean {
    return this.queuedWeight >= this.limit;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  push(item: T, weight = 1): void {
    if (this.closed || this.ended) return;
    this.items.push({ item, weight });
    this.queuedWeight += weight;
    this.wakeUp();
  }

  /** Ends the iteration with an error, after the items already queued. */
  fail(error: unknown): void {
    if (this.closed || this.ended) return;
    this.failure = { error };
    this.ended = true;
    this.wakeUp();
  }

  /** Ends the iteration after the items already queued. */
  end(): void {
    if (this.closed || this.ended) return;
    this.ended = true;
    this.wakeUp();
  }

  /** Ends the iteration now: queued items are dropped, the producer is told. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.ended = true;
    this.items = [];
    this.head = 0;
    this.queuedWeight = 0;
    this.signal?.removeEventListener('abort', this.onAbort);
    this.wakeUp();
    this.hooks.onClose();
  }

  private wakeUp(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  async next(): Promise<IteratorResult<T, undefined>> {
    for (;;) {
      if (this.closed) return { done: true, value: undefined };
      if (this.head < this.items.length) {
        const { item, weight } = this.items[this.head]!;
        this.items[this.head++] = undefined as never;
        // Compact now and then so a long-lived stream does not keep a huge array.
        if (this.head > 1024 && this.head * 2 > this.items.length) {
          this.items = this.items.slice(this.head);
          this.head = 0;
        }
        this.queuedWeight -= weight;
        if (this.queuedWeight <= this.limit / 2) this.hooks.onDrain?.();
        return { done: false, value: item };
      }
      if (this.ended) {
        const f = this.failure;
        this.failure = undefined;
        this.close();
        if (f) throw f.error;
        return { done: true, value: undefined };
      }
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  async return(): Promise<IteratorResult<T, undefined>> {
    this.close();
    return { done: true, value: undefined };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
