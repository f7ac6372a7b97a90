// Loads the addon. NFTLINK_ADDON may name another build of the same source
// (the sanitizer build from native/CMakeLists.txt) for the addon's own tests.

import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { existsSync } from 'node:fs';

export interface RecvResult {
  /** Bytes filled, starting at the offset given; datagrams are 4-byte aligned. */
  bytes: number;
  /** Datagrams read. */
  count: number;
  /**
   * A failure met after the datagrams above: ENOBUFS after an overrun, or
   * EMSGTRUNC for a datagram that did not fit (`needed` bytes; `dropped` when
   * it was consumed, else it is still queued), or ECANCELED when close() ended a wait.
   */
  error?: Error & { code: string; errno: number; syscall: string; needed?: number; dropped?: boolean };
}

export interface NativeSocket {
  readonly fd: number;
  readonly portId: number;
  readonly closed: boolean;
  /** Whether NETLINK_EXT_ACK / NETLINK_CAP_ACK could be turned on. */
  readonly extAck: boolean;
  readonly capAck: boolean;
  bind(groups: number[]): void;
  addMembership(group: number): void;
  dropMembership(group: number): void;
  setBuffers(sizes: { snd?: number; rcv?: number }): { snd: number; rcv: number };
  getBuffers(): { snd: number; rcv: number };
  setOption(level: number, name: number, value: number): void;
  getOption(level: number, name: number): number;
  send(data: Uint8Array | Uint8Array[]): number;
  sendAsync(data: Uint8Array | Uint8Array[]): Promise<number>;
  /** Never blocks. */
  recv(buf: Uint8Array, offset?: number, minRoom?: number): RecvResult;
  /** From the thread pool, waiting up to timeoutMs (-1: no limit) for the first datagram. */
  recvAsync(buf: Uint8Array, offset: number, minRoom: number, timeoutMs: number): Promise<RecvResult>;
  startPolling(onReadable: (err: Error | null) => void): void;
  stopPolling(): void;
  close(): void;
}

export interface NativeAddon {
  NetlinkSocket: new (protocol: number, netns?: string) => NativeSocket;
}

let addon: NativeAddon | undefined;

function packageRoot(): string {
  // dist/src/netlink/native.js → package root, three levels up from src/.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(resolve(dir, 'package.json')) && existsSync(resolve(dir, 'binding.gyp'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('nftlink: cannot find the package root (binding.gyp) to load the addon from');
}

export function loadAddon(): NativeAddon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  const override = process.env['NFTLINK_ADDON'];
  if (override) {
    addon = require(resolve(override)) as NativeAddon;
  } else {
    const load = require('node-gyp-build') as (dir: string) => NativeAddon;
    addon = load(packageRoot());
  }
  return addon;
}
