// Shared pieces of the addon's own tests: the addon (NFTLINK_ADDON may point at
// the sanitizer build), hand-built nf_tables batches, and descriptor counting.

import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { AttrWriter } from '../../src/netlink/attr.js';
import { NETLINK_NETFILTER, NFNL_MSG_BATCH_BEGIN, NFNL_MSG_BATCH_END, NFNL_SUBSYS_NFTABLES, NLM_F_CREATE, NLM_F_REQUEST } from '../../src/netlink/constants.js';
import { loadAddon, type NativeSocket } from '../../src/netlink/native.js';

export const SOL_NETLINK = 270;
export const NETLINK_CAP_ACK = 10;
export const NETLINK_EXT_ACK = 11;
export const NFNLGRP_NFTABLES = 7;

export function openSocket(netns?: string): NativeSocket {
  const { NetlinkSocket } = loadAddon();
  return netns === undefined ? new NetlinkSocket(NETLINK_NETFILTER) : new NetlinkSocket(NETLINK_NETFILTER, netns);
}

export function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

let gcFn: (() => void) | undefined;
/** A full garbage collection, without needing --expose-gc on the command line. */
export function gc(): void {
  if (!gcFn) {
    setFlagsFromString('--expose-gc');
    gcFn = runInNewContext('gc') as () => void;
  }
  gcFn();
}

let seq = 1000;

/** One message as its own Buffer. */
function message(type: number, flags: number, family: number, resId: number, body?: (w: AttrWriter) => void): Buffer {
  const w = new AttrWriter(256);
  const s = w.beginMessage(type, NLM_F_REQUEST | flags, seq++, family, resId);
  body?.(w);
  w.endMessage(s);
  return Buffer.from(w.finish());
}

export const batchBegin = (): Buffer => message(NFNL_MSG_BATCH_BEGIN, 0, 0, NFNL_SUBSYS_NFTABLES);
export const batchEnd = (): Buffer => message(NFNL_MSG_BATCH_END, 0, 0, NFNL_SUBSYS_NFTABLES);

/** NEWTABLE ip NAME. */
export function newTable(name: string, flags = NLM_F_CREATE): Buffer {
  return message(0x0a00, flags, 2, 0, (w) => w.str(1, name));
}

/** NEWCHAIN ip TABLE NAME (a regular chain). */
export function newChain(table: string, name: string): Buffer {
  return message(0x0a03, NLM_F_CREATE, 2, 0, (w) => {
    w.str(1, table);
    w.str(3, name);
  });
}

/** GETTABLE ip NAME (a single GET, answered outside any batch). */
export function getTable(name: string): { msg: Buffer; seq: number } {
  const s = seq;
  return { msg: message(0x0a01, 0, 2, 0, (w) => w.str(1, name)), seq: s };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every few ms for at most `ms`. */
export async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(5);
  }
  return cond();
}

/** GETGEN: the kernel answers at once with NEWGEN, so the socket becomes readable. */
export function getGen(): { msg: Buffer; seq: number } {
  const s = seq;
  return { msg: message(0x0a10, 0, 0, 0), seq: s };
}
