// Base rulesets for the scenarios: the kube-proxy table for N services,
// written through nftlink in 1 000-service transactions (one giant
// transaction costs the kernel roughly the square of its size, see
// workload.md §7.6), so that 10k-service bases take seconds, not minutes.

import type { Nftables } from '../../src/client/nftables.js';
import { fillTransaction, services, setup, type WorkloadOptions } from '../workload/index.js';

export const CHUNK = 1000;

export interface BaseProgress {
  (done: number, total: number): void;
}

/** Writes the skeleton and services [0, N) in chunks of CHUNK services. */
export async function buildBase(nft: Nftables, o: WorkloadOptions, progress?: BaseProgress): Promise<void> {
  await fillTransaction(nft.transaction({ echo: false }), (out) => setup(o.shape, out)).tx.commit();
  for (let from = 0; from < o.services; from += CHUNK) {
    const to = Math.min(o.services, from + CHUNK);
    await fillTransaction(nft.transaction({ echo: false }), (out) => services(o, out, from, to)).tx.commit();
    progress?.(to, o.services);
  }
}
