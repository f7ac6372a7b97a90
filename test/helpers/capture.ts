// Captures what nft sends to and receives from the kernel, with strace's
// dumps of each sendmsg/recvmsg (the same method as /work/helpers/nlcap.py).

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Netns } from './netns.js';

export interface CapturedDatagram {
  data: Buffer;
  toKernel: boolean;
}

/** Runs `nft ARGS` (stdin from input) in the namespace under strace and returns its netlink datagrams in order. */
export async function captureNft(ns: Netns, args: string[], input?: string): Promise<{ datagrams: CapturedDatagram[]; code: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'nftlink-cap-'));
  const out = join(dir, 'trace');
  try {
    const r = await ns.exec('strace', ['-f', '-e', 'trace=sendmsg,sendto,recvmsg,recvfrom', '-e', 'write=all', '-e', 'read=all', '-o', out, 'nft', ...args],
      input !== undefined ? { input, timeoutMs: 30_000 } : { timeoutMs: 30_000 });
    const datagrams: CapturedDatagram[] = [];
    let cur: { bytes: number[]; toKernel: boolean } | undefined;
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      const call = /^\d+\s+(sendmsg|sendto|recvmsg|recvfrom)\(/.exec(line);
      if (call) {
        cur = { bytes: [], toKernel: call[1]!.startsWith('send') };
        datagrams.push({ data: Buffer.alloc(0), toKernel: cur.toKernel });
        continue;
      }
      const hex = /^\s*\|\s*[0-9a-f]{5}\s+((?:[0-9a-f]{2}\s+)+)/.exec(line);
      if (hex && cur) {
        cur.bytes.push(...hex[1]!.trim().split(/\s+/).map((h) => parseInt(h, 16)));
        datagrams[datagrams.length - 1]!.data = Buffer.from(cur.bytes);
      }
    }
    return { datagrams: datagrams.filter((d) => d.data.length > 0), code: r.code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
