// What NFTLINK_DEBUG costs when it is off. The socket checks one property
// (`tracer`) per datagram sent and per message received; this compares the
// receive loop of a dump (parse the messages, hand each on) with and without
// that check, on 10 000 real NEWRULE messages, in one run.
//
// Run: node dist/bench/debug-off.js

import { AttrWriter } from '../src/netlink/attr.js';
import { parseMessages, type MessageView } from '../src/netlink/message.js';
import type { WireTracer } from '../src/netlink/socket.js';
import { decodeRule, encodeRule } from '../src/nftables/rule.js';
import { nftType, NFT_MSG_NEWRULE } from '../src/nftables/constants.js';

const w = new AttrWriter(1 << 20);
for (let i = 0; i < 10_000; i++) {
  const s = w.beginMessage(nftType(NFT_MSG_NEWRULE), 0x802, 7, 2);
  encodeRule(w, {
    family: 'ip', table: 't', chain: 'c', handle: i + 2,
    exprs: [
      { type: 'payload', base: 'network', offset: 16, len: 4, dreg: 1 },
      { type: 'cmp', op: 'eq', sreg: 1, data: Uint8Array.from([10, 0, i >> 8, i & 255]) },
      { type: 'counter', packets: 0, bytes: 0 },
      { type: 'immediate', dreg: 0, data: { verdict: 'accept' } },
    ],
  });
  w.endMessage(s);
}
const buf = w.finish();
const holder: { tracer: WireTracer | undefined } = { tracer: undefined };
let sink = 0;
const onMessage = (m: MessageView): void => {
  sink += m.seq;
};

function loopPlain(): void {
  for (const m of parseMessages(buf, 0, buf.length)) onMessage(m);
}
function loopChecked(): void {
  for (const m of parseMessages(buf, 0, buf.length)) {
    if (holder.tracer) holder.tracer('recv', m);
    onMessage(m);
  }
}

// The machine is shared: interleave the two variants and compare medians.
const rounds = 21;
const per = 20;
const times: { plain: number[]; checked: number[] } = { plain: [], checked: [] };
for (let i = 0; i < 5; i++) {
  loopPlain();
  loopChecked();
}
for (let r = 0; r < rounds; r++) {
  for (const [name, fn] of (r % 2 ? [['plain', loopPlain], ['checked', loopChecked]] : [['checked', loopChecked], ['plain', loopPlain]]) as ['plain' | 'checked', () => void][]) {
    const t0 = performance.now();
    for (let i = 0; i < per; i++) fn();
    times[name].push((performance.now() - t0) / per);
  }
}
const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;
const p = median(times.plain);
const c = median(times.checked);
console.log(`10 000 NEWRULE messages (${buf.length} bytes) per loop, ${rounds} rounds of ${per}, medians:`);
console.log(`  without the check: ${p.toFixed(3)} ms  (${(p * 100).toFixed(1)} ns per message)`);
console.log(`  with the tracer check, debug off: ${c.toFixed(3)} ms  (${(c * 100).toFixed(1)} ns per message)`);
console.log(`  ratio checked/plain: ${(c / p).toFixed(3)}${sink > 0 ? '' : ' (sink)'}`);
// A full decode of the same messages, for scale.
const t0 = performance.now();
for (let i = 0; i < 5; i++) for (const m of parseMessages(buf, 0, buf.length)) decodeRule(m);
console.log(`  decoding them (decodeRule), for scale: ${((performance.now() - t0) / 5).toFixed(3)} ms per loop`);
