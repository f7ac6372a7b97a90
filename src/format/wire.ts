// One line (or block) per netlink message for NFTLINK_DEBUG=netlink: the
// direction, seq and size, then the message in libnftnl's debug format.

import { NLMSG_DONE, NLMSG_ERROR } from '../netlink/constants.js';
import { decodeError, errnoName, type MessageView } from '../netlink/message.js';
import { NFT_MSG_NAMES, nftMsg } from '../nftables/constants.js';
import { formatMessageBody } from './message.js';
// Kinds register their printers on import.
import './set.js';

export function messageTypeName(type: number): string {
  if (type === NLMSG_ERROR) return 'NLMSG_ERROR';
  if (type === NLMSG_DONE) return 'NLMSG_DONE';
  if (type === 0x10) return 'BATCH_BEGIN';
  if (type === 0x11) return 'BATCH_END';
  const msg = nftMsg(type);
  if (msg >= 0) return NFT_MSG_NAMES[msg] ?? `NFT_MSG_${msg}`;
  return `type ${type}`;
}

export function formatWireMessage(direction: 'send' | 'recv', m: MessageView): string {
  const head = `${direction === 'send' ? '->' : '<-'} ${messageTypeName(m.type)} seq ${m.seq} len ${m.end - m.start} flags 0x${m.flags.toString(16)}${m.pid ? ` pid ${m.pid}` : ''}`;
  let body: string | undefined;
  try {
    if (m.type === NLMSG_ERROR) {
      const e = decodeError(m);
      body = e.errno === 0 ? `ack seq ${e.request.seq}` : `error ${errnoName(e.errno)} for seq ${e.request.seq}${e.message ? `: ${e.message}` : ''}${e.offset !== undefined ? ` (offset ${e.offset})` : ''}`;
    } else {
      body = formatMessageBody(m);
    }
  } catch (e) {
    body = `(undecodable: ${(e as Error).message})`;
  }
  return body ? `${head}\n${body}` : head;
}
