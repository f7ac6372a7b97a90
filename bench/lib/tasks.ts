// The tasks the runner gives the nftlink child process, and their answers.

import type { CommitResult } from '../../src/client/commit.js';
import type { RuleDumpStrategy } from '../../src/client/list.js';
import { ipv4, type Shape } from '../workload/model.js';

/** S5's single operations, each its own transaction. */
export type SingleOp = 'element' | 'rule-jump' | 'rule-vmap';
/** The scratch chain S5's rules go into. */
export const S5_CHAIN = 's5-scratch';

export type DeltaTaskKind = 'churn' | 'churn-cleanup' | 'add' | 'delete' | 'delete-cleanup';

export type Task =
  | { kind: 'bootstrap'; netns: string; shape: Shape; services: number; endpoints: number; chunk?: number }
  | { kind: 'delta'; netns: string; shape: Shape; services: number; endpoints: number; delta: DeltaTaskKind; first: number; count: number; generation: number; perOperation?: boolean }
  | { kind: 'list'; netns: string; strategy: RuleDumpStrategy; raw: boolean; keep: boolean }
  | { kind: 'elements'; netns: string; variant: 'set' | 'vmap' | 'one' | 'list' | 'list-raw'; count: number }
  | { kind: 'op'; netns: string; op: SingleOp; seq: number }
  | { kind: 'exit' };

export interface TaskResult {
  ok: boolean;
  error?: string;
  /** Wall time of the measured work, ms. */
  wallMs?: number;
  /** CPU time of this process (all threads) during it, ms. */
  userMs?: number;
  sysMs?: number;
  /** Building the operations from the desired objects (tx.add… calls), ms. */
  assembleMs?: number;
  commit?: CommitResult['timings'];
  operations?: number;
  messages?: number;
  bytes?: number;
  commits?: number;
  /** Peak RSS of this process so far, KiB. */
  maxRssKB?: number;
  items?: number;
}


/** Addresses S5 adds (and removes again): 198.18.x.y, one per sequence number. */
export function s5Addr(seq: number): number {
  return (((198 << 24) | (18 << 16)) + (seq & 0xffff)) >>> 0;
}

export function s5Address(seq: number): string {
  return ipv4(s5Addr(seq));
}
