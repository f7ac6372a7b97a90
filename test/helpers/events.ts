// Helpers for tests of asynchronous event streams: bounded collection, and
// nft's own monitor as an independent witness.

import { spawn, type ChildProcess } from 'node:child_process';
import type { Netns } from './netns.js';

/**
 * Pulls from an async iterator until `done(items)` says so or `timeoutMs`
 * passes; never hangs. Returns what was collected and whether it finished.
 */
export async function collect<T>(
  it: AsyncIterator<T>,
  done: (items: T[]) => boolean,
  timeoutMs: number,
): Promise<{ items: T[]; finished: boolean }> {
  const items: T[] = [];
  const deadline = Date.now() + timeoutMs;
  while (!done(items)) {
    const left = deadline - Date.now();
    if (left <= 0) return { items, finished: false };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((r) => {
      timer = setTimeout(() => r('timeout'), left);
    });
    const r = await Promise.race([it.next(), timeout]);
    clearTimeout(timer);
    if (r === 'timeout') return { items, finished: false };
    if (r.done) return { items, finished: done(items) };
    items.push(r.value);
  }
  return { items, finished: true };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Waits until cond() holds, polling; false after timeoutMs. */
export async function waitFor(cond: () => boolean, timeoutMs: number, everyMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(everyMs);
  }
  return true;
}

/** `nft monitor` running in a namespace, its output lines collected. */
export class NftMonitor {
  readonly lines: string[] = [];
  private readonly child: ChildProcess;
  private buf = '';

  constructor(ns: Netns, args: string[] = []) {
    this.child = spawn('ip', ['netns', 'exec', ns.name, 'nft', 'monitor', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8');
    this.child.stdout!.on('data', (d: string) => {
      this.buf += d;
      const parts = this.buf.split('\n');
      this.buf = parts.pop()!;
      this.lines.push(...parts.filter((l) => l.trim() !== ''));
    });
  }

  /** Waits for a line matching re; false after timeoutMs. */
  waitForLine(re: RegExp, timeoutMs: number): Promise<boolean> {
    return waitFor(() => this.lines.some((l) => re.test(l)), timeoutMs);
  }

  stop(): void {
    this.child.kill('SIGTERM');
  }
}
