// nft.trace() with real packets: two namespaces joined by a veth pair, a
// rule `meta nftrace set 1`, ICMP echo across the veth (sent from a raw
// socket: this machine has no ping) and a TCP connection over loopback
// inside one namespace. Every wait is bounded.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Nftables, readTableState, type TraceOutput, type TraceRecord } from '../../src/index.js';
import { formatRuleDebug } from '../../src/format/list.js';
import { Netns, run } from '../helpers/netns.js';
import { collect } from '../helpers/events.js';

const PING = `
import socket, struct, sys, time
def csum(b):
    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
s.settimeout(2)
ok = 0
for seq in range(1, 4):
    body = struct.pack('!BBHHH', 8, 0, 0, 0x4242, seq) + b'nftlink!'
    pkt = struct.pack('!BBHHH', 8, 0, csum(body), 0x4242, seq) + b'nftlink!'
    s.sendto(pkt, (sys.argv[1], 0))
    try:
        while True:
            data = s.recv(200)
            if data[20] == 0 and struct.unpack('!H', data[26:28])[0] == seq:
                ok += 1
                break
    except socket.timeout:
        pass
    time.sleep(0.3)
sys.exit(0 if ok == 3 else 1)
`;

const TCP = `
const net = require('net');
const srv = net.createServer((c) => { c.on('data', () => c.end()); });
srv.listen(8080, '127.0.0.1', () => {
  const c = net.connect(8080, '127.0.0.1', () => c.write('x'));
  c.on('end', () => { c.end(); srv.close(); });
  c.on('error', () => process.exit(1));
});
setTimeout(() => process.exit(2), 5000).unref();
`;

const RULESET = `table inet t {
  chain pre {
    type filter hook prerouting priority -300; policy accept;
    meta nfproto ipv4 meta nftrace set 1
  }
  chain in {
    type filter hook input priority 0; policy accept;
    ip protocol icmp counter accept
    tcp dport 8080 counter accept
  }
}
`;

interface NftJsonRule { rule?: { chain: string; handle: number } }

test('packets across a veth pair and over loopback are traced, one record per packet, matching the ruleset', async () => {
  const a = await Netns.create('tra');
  const b = await Netns.create('trb');
  const ac = new AbortController();
  let nft: Nftables | undefined;
  try {
    for (const [cmd, ...args] of [
      ['ip', '-n', a.name, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb', 'netns', b.name],
      ['ip', '-n', a.name, 'addr', 'add', '10.0.0.1/24', 'dev', 'va'],
      ['ip', '-n', b.name, 'addr', 'add', '10.0.0.2/24', 'dev', 'vb'],
      ['ip', '-n', a.name, 'link', 'set', 'va', 'up'],
      ['ip', '-n', b.name, 'link', 'set', 'vb', 'up'],
    ] as string[][]) {
      const r = await run(cmd!, args, { timeoutMs: 10_000 });
      assert.equal(r.code, 0, `${cmd} ${args.join(' ')}: ${r.stderr}`);
    }
    await b.nftFile(RULESET);
    const handles = new Map<string, number[]>();
    for (const x of (JSON.parse(await b.nft('-a -j list table inet t')) as { nftables: NftJsonRule[] }).nftables) {
      if (x.rule) handles.set(x.rule.chain, [...(handles.get(x.rule.chain) ?? []), x.rule.handle]);
    }
    const [hTrace] = handles.get('pre')!;
    const [hIcmp, hTcp] = handles.get('in')!;
    const nftText = await b.nft('--debug=netlink list table inet t');

    nft = await Nftables.open({ netns: b.path });
    const state = await readTableState(nft, { family: 'inet', table: 't' });
    // Counters move with the traffic: compare rule texts without their values.
    const noCounts = (t: string | undefined): string | undefined => t?.replace(/counter pkts \d+ bytes \d+/g, 'counter pkts N bytes N');
    const textOf = (h: number): string | undefined => noCounts(formatRuleDebug(state.rules.find((r) => r.handle === h)!).split('\n').slice(1).map((l) => l.trim()).join(' '));
    const tr = nft.trace({ signal: ac.signal });

    const ping = await a.exec('python3', ['-c', PING, '10.0.0.2'], { timeoutMs: 15_000 });
    assert.equal(ping.code, 0, `ping failed: ${ping.stderr}`);
    const tcp = await b.exec(process.execPath, ['-e', TCP], { timeoutMs: 15_000 });
    assert.equal(tcp.code, 0, `tcp failed: ${tcp.stderr}`);

    const isEcho = (x: TraceOutput): boolean => x.type === 'trace' && x.packet.transport?.icmpTypeName === 'echo-request';
    const isSyn = (x: TraceOutput): boolean => x.type === 'trace' && x.packet.transport?.dport === 8080 && !!x.packet.transport.flags?.includes('syn');
    const isSynAck = (x: TraceOutput): boolean => x.type === 'trace' && x.packet.transport?.sport === 8080 && !!x.packet.transport.flags?.includes('syn');
    const { items, finished } = await collect(tr, (xs) => xs.filter(isEcho).length >= 3 && xs.some(isSyn) && xs.some(isSynAck), 15_000);
    assert.ok(finished, `records: ${items.length}`);
    assert.equal(items.filter((x) => x.type === 'overrun').length, 0);

    // ICMP echo requests across the veth.
    const echoes = items.filter(isEcho) as TraceRecord[];
    assert.deepEqual(echoes.map((e) => e.packet.transport?.icmpSeq), [1, 2, 3]);
    for (const e of echoes) {
      assert.equal(e.family, 'inet');
      assert.equal(e.nfproto, 2);
      assert.equal(e.iif?.name, 'vb');
      assert.equal(e.iif?.type, 1);
      assert.equal(e.packet.ll?.type, 0x0800);
      assert.equal(e.packet.network?.saddr, '10.0.0.1');
      assert.equal(e.packet.network?.daddr, '10.0.0.2');
      assert.equal(e.packet.network?.l4protoName, 'icmp');
      assert.equal(e.packet.transport?.icmpId, 0x4242);
      assert.deepEqual(e.steps.map((s) => [s.table, s.chain, s.type, s.handle, s.verdict?.verdict ?? s.policy]), [
        ['t', 'pre', 'rule', hTrace, 'continue'],
        ['t', 'pre', 'policy', undefined, 'accept'],
        ['t', 'in', 'rule', hIcmp, 'accept'],
      ]);
      assert.equal(e.verdict, 'accept');
      assert.equal(noCounts(e.steps[0]!.ruleText), textOf(hTrace!));
      assert.equal(noCounts(e.steps[2]!.ruleText), textOf(hIcmp!));
    }
    // The ICMP rule's text is what nft prints for it.
    const nftIcmp = nftText.split('\n\n').map((blk) => blk.split('\n').filter((l) => l !== '')).find((ls) => ls.some((l) => new RegExp(`^inet t in ${hIcmp}( \\d+)?$`).test(l)));
    assert.ok(nftIcmp);
    assert.equal(noCounts(echoes[0]!.steps[2]!.ruleText), nftIcmp.filter((l) => l.startsWith('  [')).map((l) => noCounts(l.trim())!).join(' '));
    assert.match(echoes[0]!.steps[0]!.ruleText!, /^\[ meta load nfproto => reg 1 \] \[ cmp eq reg 1 0x00000002 \] \[ immediate reg 1 0x00000001 \] \[ meta set nftrace with reg 1 \]$/);

    // TCP over loopback inside the namespace: the SYN matches the port rule, the SYN-ACK the policy.
    const syn = items.find(isSyn) as TraceRecord;
    assert.equal(syn.iif?.name, 'lo');
    assert.equal(syn.packet.network?.saddr, '127.0.0.1');
    assert.equal(syn.packet.network?.daddr, '127.0.0.1');
    assert.deepEqual(syn.packet.transport?.flags, ['syn']);
    assert.deepEqual(syn.steps.map((s) => [s.chain, s.type, s.handle, s.verdict?.verdict ?? s.policy]), [
      ['pre', 'rule', hTrace, 'continue'],
      ['pre', 'policy', undefined, 'accept'],
      ['in', 'rule', hTcp, 'accept'],
    ]);
    assert.equal(noCounts(syn.steps[2]!.ruleText), textOf(hTcp!));
    const synAck = items.find(isSynAck) as TraceRecord;
    assert.deepEqual(synAck.packet.transport?.flags, ['syn', 'ack']);
    assert.equal(synAck.packet.transport?.dport, syn.packet.transport?.sport);
    assert.deepEqual(synAck.steps.map((s) => [s.chain, s.type, s.verdict?.verdict ?? s.policy]), [
      ['pre', 'rule', 'continue'],
      ['pre', 'policy', 'accept'],
      ['in', 'policy', 'accept'],
    ]);
  } finally {
    ac.abort();
    await nft?.close();
    await a.destroy();
    await b.destroy();
  }
});
