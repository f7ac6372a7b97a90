// Compares two batches message by message in libnftnl's words: nft's (from
// `nft --debug=mnl -c -f -`, which builds and checks the batch without
// committing it) and nftlink's (encoded from a transaction, not sent). Element
// messages are compared element by element, since nftlink sends a set's
// elements in one message where nft sends one message per `add element`.

import { parseMnlDump, describeMessage } from '../../src/format/decode.js';
import { parseMessages, type MessageView } from '../../src/netlink/message.js';
import { encodeBatch } from '../../src/client/commit.js';
import type { Transaction } from '../../src/client/transaction.js';
import type { Op } from '../../src/client/operation.js';
import { nftMsg, NFT_MSG_NEWSETELEM, NFT_MSG_DELSETELEM } from '../../src/nftables/constants.js';

export interface BatchItems {
  /** One entry per non-element message, in order. */
  messages: string[];
  /** One entry per element (set, operation, attributes), sorted. */
  elements: string[];
}

/** The messages of nft's batch(es) in an `nft --debug=mnl` dump (BATCH_BEGIN … BATCH_END). */
export function messagesFromMnl(text: string): MessageView[] {
  const out: MessageView[] = [];
  let inBatch = false;
  for (const d of parseMnlDump(text)) {
    for (const m of parseMessages(d.bytes, 0, d.bytes.length)) {
      if (m.type === 0x10) inBatch = true;
      else if (m.type === 0x11) inBatch = false;
      else if (inBatch) out.push(m);
    }
  }
  return out;
}

/** The messages of a transaction's batch, encoded but not sent. */
export async function messagesFromTransaction(tx: Transaction): Promise<MessageView[]> {
  const b = await encodeBatch(tx.operations as Op[], 1, { dryRun: false, echo: false });
  const buf = b.finish();
  return parseMessages(buf, 0, buf.length).filter((m) => m.type !== 0x10 && m.type !== 0x11);
}

/** Attribute lines of a message's annotation, without the header line (seq and flags legitimately differ). */
function body(m: MessageView): string[] {
  const lines = describeMessage(m).text.split('\n');
  // The libnftnl print at the end repeats the attributes.
  const cut = lines.indexOf('  libnftnl:');
  // NLA_F_NESTED is optional on input (the kernel parses nf_tables leniently).
  return lines.slice(1, cut < 0 ? undefined : cut).map((l) => l.replace(/ \((\d+) N\) /, ' ($1) '));
}

/** Top-level attributes with their nested lines; the first group is the nfgenmsg line. */
function groups(lines: string[]): string[][] {
  const out: string[][] = [];
  for (const l of lines) {
    if (/^  \S/.test(l) || out.length === 0) out.push([l]);
    else out[out.length - 1]!.push(l);
  }
  return out;
}

/** The kernel reads top-level attributes into a table: their order carries no meaning. */
function sortedGroups(g: string[][]): string[][] {
  const [head, ...rest] = g;
  rest.sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
  return head ? [head, ...rest] : rest;
}

export function batchItems(msgs: MessageView[]): BatchItems {
  const messages: string[] = [];
  const elements: string[] = [];
  // Set ids are the batch's own handles, numbered differently by nft (it
  // also numbers the sets it only read into its cache, and names those ids
  // next to the names of existing sets, where the kernel goes by the name).
  // They are left out; which rule binds which anonymous set is checked by
  // listing the result instead.
  const noSetId = (l: string): boolean => !/^\s*NFTA_\w*SET_ID \(/.test(l);
  for (const m of msgs) {
    const t = nftMsg(m.type);
    const g = groups(body(m).filter(noSetId));
    const elems = g.find((x) => x[0]!.startsWith('  NFTA_SET_ELEM_LIST_ELEMENTS'));
    if ((t === NFT_MSG_NEWSETELEM || t === NFT_MSG_DELSETELEM) && elems) {
      const head = `${t === NFT_MSG_NEWSETELEM ? 'add' : 'del'} ${sortedGroups(g.filter((x) => x !== elems)).flat().join(' ').replace(/\s+/g, ' ')}`;
      let cur: string[] | undefined;
      for (const l of elems.slice(1)) {
        if (/^    \[\d+\] /.test(l)) {
          if (cur) elements.push(`${head} |${cur.join(' ')}`);
          cur = [];
        } else {
          cur?.push(l.trim());
        }
      }
      if (cur) elements.push(`${head} |${cur.join(' ')}`);
    } else {
      messages.push(sortedGroups(g).flat().join('\n'));
    }
  }
  elements.sort();
  return { messages, elements };
}

/** Differences between two batches (empty when they agree), at most `limit` of them. */
export function diffBatches(nft: BatchItems, ours: BatchItems, limit = 10): string[] {
  const out: string[] = [];
  const n = Math.max(nft.messages.length, ours.messages.length);
  for (let i = 0; i < n && out.length < limit; i++) {
    if (nft.messages[i] !== ours.messages[i]) {
      out.push(`message ${i}:\n--- nft\n${nft.messages[i] ?? '(none)'}\n+++ nftlink\n${ours.messages[i] ?? '(none)'}`);
    }
  }
  if (nft.elements.length !== ours.elements.length) out.push(`elements: nft ${nft.elements.length}, nftlink ${ours.elements.length}`);
  for (let i = 0; i < Math.max(nft.elements.length, ours.elements.length) && out.length < limit; i++) {
    if (nft.elements[i] !== ours.elements[i]) out.push(`element ${i}:\n--- nft\n${nft.elements[i] ?? '(none)'}\n+++ nftlink\n${ours.elements[i] ?? '(none)'}`);
  }
  return out;
}
