// libnftnl's debug print of one nf_tables message (what `nft --debug=netlink`
// shows), dispatched on the message type. Kinds register their printers here.

import type { MessageView } from '../netlink/message.js';
import { familyName, NFT_MSG_NEWCHAIN, NFT_MSG_NEWGEN, NFT_MSG_NEWTABLE, nftMsg } from '../nftables/constants.js';
import { decodeChain, type Chain } from '../nftables/chain.js';
import { decodeGen } from '../nftables/gen.js';
import { decodeTable, tableFlagBits, type Table } from '../nftables/table.js';
import { readNfGen } from '../netlink/message.js';
import { decodeFlowtable } from '../nftables/flowtable.js';
import {
  NFT_MSG_DELFLOWTABLE,
  NFT_MSG_DELOBJ,
  NFT_MSG_DESTROYFLOWTABLE,
  NFT_MSG_DESTROYOBJ,
  NFT_MSG_NEWFLOWTABLE,
  NFT_MSG_NEWOBJ,
} from '../nftables/constants.js';
import { formatFlowtable, formatObjectMessage } from './object.js';
import { decodeRule } from '../nftables/rule.js';
import { decodeTrace } from '../nftables/trace.js';
import { formatRuleDebug } from './rule.js';

type Printer = (m: MessageView) => string;
const printers = new Map<number, Printer>();

/** Registers the printer of the NEW and DEL messages of one kind (by NFT_MSG number). */
export function registerPrinter(msgs: number[], p: Printer): void {
  for (const m of msgs) printers.set(m, p);
}

export function formatMessageBody(m: MessageView): string | undefined {
  const msg = nftMsg(m.type);
  if (msg < 0) return undefined;
  const p = printers.get(msg);
  if (p) return p(m);
  // Requests (GET*, DEL* by name …) print their family and nothing else.
  const { family } = readNfGen(m);
  return family ? `family ${familyName(family)}` : undefined;
}

/** libnftnl: `table NAME FAMILY flags F use U handle H`. */
export function formatTable(t: Table): string {
  return `table ${t.name} ${t.family} flags ${tableFlagBits(t.flags ?? [], t.unknownFlags).toString(16)} use ${t.use ?? 0} handle ${t.handle ?? 0}`;
}

/** libnftnl: `FAMILY TABLE NAME use U[ type T hook H prio P[ policy P] packets N bytes N]`. */
export function formatChain(c: Chain): string {
  let s = `${c.family} ${c.table} ${c.name} use ${c.use ?? 0}`;
  if (c.hook) {
    s += ` type ${c.hook.type ?? 'filter'} hook ${c.hook.hook} prio ${c.hook.priority}`;
    if (c.policy) s += ` policy ${c.policy}`;
    s += ` packets ${c.counters?.packets ?? 0} bytes ${c.counters?.bytes ?? 0}`;
    if (c.hook.device) s += ` dev ${c.hook.device} `;
    if (c.hook.devices) s += ` dev { ${c.hook.devices.join(' ')} } `;
  }
  return s;
}

registerPrinter([NFT_MSG_NEWTABLE, 2, 26], (m) => formatTable(decodeTable(m)));
registerPrinter([NFT_MSG_NEWCHAIN, 5, 27], (m) => formatChain(decodeChain(m)));
registerPrinter([NFT_MSG_NEWGEN], (m) => {
  const g = decodeGen(m);
  return `gen id ${g.id}${g.pid !== undefined ? ` pid ${g.pid}` : ''}${g.procName ? ` name ${g.procName}` : ''}`;
});
registerPrinter([NFT_MSG_NEWOBJ, NFT_MSG_DELOBJ, NFT_MSG_DESTROYOBJ], formatObjectMessage);
registerPrinter([NFT_MSG_NEWFLOWTABLE, NFT_MSG_DELFLOWTABLE, NFT_MSG_DESTROYFLOWTABLE], (m) => formatFlowtable(decodeFlowtable(m)));
registerPrinter([6, 8, 28], (m) => formatRuleDebug(decodeRule(m)));
registerPrinter([17], (m) => {
  const t = decodeTrace(m);
  let s = `trace id ${t.id.toString(16).padStart(8, '0')} ${t.family} ${t.table ?? ''} ${t.chain ?? ''} type ${t.type}`;
  if (t.ruleHandle !== undefined) s += ` handle ${t.ruleHandle}`;
  if (t.verdict) s += ` verdict ${t.verdict.verdict}${t.verdict.chain ? ` -> ${t.verdict.chain}` : ''}`;
  if (t.policy !== undefined) s += ` policy ${t.policy}`;
  if (t.iif !== undefined) s += ` iif ${t.iif}`;
  if (t.oif !== undefined) s += ` oif ${t.oif}`;
  if (t.mark !== undefined) s += ` mark 0x${t.mark.toString(16)}`;
  return s;
});
