// How long the event loop was held: a 1 ms timer, and the loop thread's own
// scheduler statistics. On a shared machine a wall-clock gap between ticks
// also holds run-queue waits (other jobs' CPU time), so the loop thread's CPU
// time between two ticks is what says whether our code held the loop; the
// wall-clock gap is checked too when the machine is quiet enough to mean it.

import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** This thread's CPU time and run-queue wait, in ms (/proc/thread-self/schedstat). */
function schedstat(): { run: number; wait: number } {
  const [run, wait] = readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ');
  return { run: Number(run) / 1e6, wait: Number(wait) / 1e6 };
}

export interface Stall {
  /** Longest wall-clock gap between two ticks. */
  gapMs: number;
  /** Most CPU time the loop thread used between two ticks. */
  busyMs: number;
  /** Share of the time the loop thread waited for a CPU. */
  contention: number;
  /** Ticks seen. */
  ticks: number;
}

/**
 * Runs fn while a 1 ms timer watches the loop. Garbage the caller left
 * behind (building 200 000 operations leaves plenty) is collected first:
 * those pauses are not the measured work's.
 */
export async function watchLoop<T>(fn: () => Promise<T>): Promise<{ result: T; stall: Stall }> {
  gc();
  await new Promise((r) => setTimeout(r, 5));
  const stall: Stall = { gapMs: 0, busyMs: 0, contention: 0, ticks: 0 };
  let last = performance.now();
  let lastStat = schedstat();
  const tick = (): void => {
    const now = performance.now();
    const stat = schedstat();
    stall.gapMs = Math.max(stall.gapMs, now - last);
    stall.busyMs = Math.max(stall.busyMs, stat.run - lastStat.run);
    stall.ticks++;
    last = now;
    lastStat = stat;
  };
  const timer = setInterval(tick, 1);
  try {
    const t0 = performance.now();
    const s0 = schedstat();
    last = t0;
    lastStat = s0;
    const result = await fn();
    tick();
    stall.contention = (schedstat().wait - s0.wait) / Math.max(1, performance.now() - t0);
    return { result, stall };
  } finally {
    clearInterval(timer);
  }
}
