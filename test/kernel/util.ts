// Kernel-test helpers: a client in a throwaway namespace, always cleaned up.

import { Nftables } from '../../src/client/nftables.js';
import { Netns } from '../helpers/netns.js';

/** Runs fn with a fresh namespace and an nftlink client in it; removes both. */
export async function withClient<T>(fn: (nft: Nftables, ns: Netns) => Promise<T>, tag = 'k'): Promise<T> {
  const ns = await Netns.create(tag);
  let nft: Nftables | undefined;
  try {
    nft = await Nftables.open({ netns: ns.path });
    return await fn(nft, ns);
  } finally {
    await nft?.close();
    await ns.destroy();
  }
}

/** A veth pair, for netdev chains with several devices. */
export async function addVeth(ns: Netns, a = 'v0', b = 'v1'): Promise<void> {
  const r = await ns.exec('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
  if (r.code !== 0) throw new Error(`ip link add ${a}: ${r.stderr}`);
}

/** Polls `cond` every 10 ms for at most `ms`. */
export async function eventually(cond: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return cond();
}
