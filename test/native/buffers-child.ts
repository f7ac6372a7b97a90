// Run by open.test.ts inside `unshare -U -r -n`: root of a new user namespace,
// without CAP_NET_ADMIN in the initial one, so SO_*BUFFORCE is refused.

import { readFileSync } from 'node:fs';
import { openSocket } from './util.js';

const SOL_SOCKET = 1;
const SO_SNDBUFFORCE = 32;

const wmemMax = Number(readFileSync('/proc/sys/net/core/wmem_max', 'utf8'));
const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
const want = Math.max(wmemMax, rmemMax) * 4;
const s = openSocket();
let forceErrno = 0;
try {
  s.setOption(SOL_SOCKET, SO_SNDBUFFORCE, want);
} catch (e) {
  forceErrno = (e as { errno: number }).errno;
}
const got = s.setBuffers({ snd: want, rcv: want });
s.close();
process.stdout.write(JSON.stringify({ forceErrno, got, wmemMax, rmemMax, want }));
