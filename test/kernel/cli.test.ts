// The nftlink command, run as a child process against throwaway namespaces.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { Nftables, readTableState } from '../../src/index.js';
import { stringifyJSON } from '../../src/format/json.js';
import { withNetns, type Netns } from '../helpers/netns.js';
import { CLI, isCleanError, nftlink } from '../helpers/cli.js';
import { captureNft } from '../helpers/capture.js';
import { writePcap } from '../helpers/pcap.js';
import { uapiEnums } from '../helpers/uapi.js';
import { sleep, waitFor } from '../helpers/events.js';

const RULESET = `table ip t {
  chain c {
    ip daddr 10.1.2.3 counter accept
    tcp dport 22 drop
    ip saddr 192.168.1.1 return
    ip daddr { 10.0.0.1, 10.0.0.2 } counter
    ip daddr vmap @vm
  }
  set s {
    type ipv4_addr; flags interval;
    elements = { 10.0.0.0/8, 192.168.1.1 }
  }
  map vm {
    type ipv4_addr : verdict;
    elements = { 10.9.9.9 : jump c2 }
  }
  chain c2 { }
  counter k { }
  chain base {
    type filter hook input priority 10; policy accept;
    jump c
  }
}
table inet u {
  chain x { }
}
`;

/** The part of `nft --debug=netlink list …` before nft's own listing. */
function netlinkPart(out: string): string {
  const i = out.search(/^table /m);
  return i < 0 ? out : out.slice(0, i);
}

test('list: JSON is what the library returns; --debug is what nft --debug=netlink prints; the tree shows it all', async () => {
  await withNetns(async (ns) => {
    await ns.nftFile(RULESET);
    const nft = await Nftables.open({ netns: ns.path });
    try {
      const table = await nftlink(['--netns', ns.path, 'list', 'table', 'ip', 't', '--json']);
      assert.equal(table.code, 0, table.stderr);
      const lib = await readTableState(nft, { family: 'ip', table: 't' });
      assert.deepEqual(JSON.parse(table.stdout), JSON.parse(stringifyJSON(lib)));

      const chain = await nftlink(['list', 'chain', 'ip', 't', 'c', '--json', '--netns', ns.name]);
      assert.equal(chain.code, 0, chain.stderr);
      const c = JSON.parse(chain.stdout) as { chain: { name: string }; rules: { handle: number }[] };
      assert.equal(c.chain.name, 'c');
      assert.deepEqual(c.rules.map((r) => r.handle), lib.rules.filter((r) => r.chain === 'c').map((r) => r.handle));

      const rs = await nftlink(['--netns', ns.path, 'list', 'ruleset', '--json']);
      assert.equal(rs.code, 0, rs.stderr);
      assert.deepEqual(JSON.parse(rs.stdout), JSON.parse(stringifyJSON(await nft.listRuleset())));

      const set = await nftlink(['--netns', ns.path, 'list', 'set', 'ip', 't', 's', '--json']);
      assert.equal(set.code, 0, set.stderr);
      const libSet = await nft.getSet({ family: 'ip', table: 't', name: 's' });
      libSet.elements = await nft.listElements({ family: 'ip', table: 't', set: 's' });
      assert.deepEqual(JSON.parse(set.stdout), JSON.parse(stringifyJSON(libSet)));

      for (const [what, nftArgs] of [
        [['ruleset'], ['--debug=netlink', 'list', 'ruleset']],
        [['table', 'ip', 't'], ['--debug=netlink', 'list', 'table', 'ip', 't']],
        [['chain', 'ip', 't', 'c'], ['--debug=netlink', 'list', 'chain', 'ip', 't', 'c']],
        [['set', 'ip', 't', 's'], ['--debug=netlink', 'list', 'set', 'ip', 't', 's']],
      ] as const) {
        const ours = await nftlink(['--netns', ns.path, 'list', ...what, '--debug']);
        assert.equal(ours.code, 0, ours.stderr);
        assert.equal(ours.stdout, netlinkPart(await ns.nft([...nftArgs])), what.join(' '));
      }

      const all = await nftlink(['--netns', ns.path, 'list']);
      assert.equal(all.code, 0, all.stderr);
      assert.match(all.stdout, /^table ip t \(handle \d+\)/m);
      assert.match(all.stdout, /^ {2}chain base \(handle \d+\) type filter hook input priority 10 policy accept/m);
      assert.match(all.stdout, /^table inet u /m);
      const tree = await nftlink(['--netns', ns.path, 'list', 'table', 'ip', 't']);
      assert.equal(tree.code, 0, tree.stderr);
      for (const r of lib.rules) assert.match(tree.stdout, new RegExp(`^ {4}rule ${r.handle}$`, 'm'));
      assert.match(tree.stdout, / {6}\[ cmp eq reg 1 0x0302010a \]/);
      assert.match(tree.stdout, /^ {2}set s handle \d+ type ipv4_addr flags interval\n {4}10\.0\.0\.0\/8\n {4}192\.168\.1\.1\n/m);
      assert.match(tree.stdout, /^ {2}set vm handle \d+ type ipv4_addr : verdict flags map\n {4}10\.9\.9\.9 : jump c2\n/m);
      assert.match(tree.stdout, /^ {2}object counter ip t k handle \d+ \[ pkts 0 bytes 0 \]$/m);
      assert.match(all.stdout, / {6}\[ lookup reg 1 set __set\d+ 0x0 \]/);

      const missing = await nftlink(['--netns', ns.path, 'list', 'table', 'ip', 'nope']);
      assert.ok(isCleanError(missing));
      assert.match(missing.stderr, /table ip nope does not exist/);
    } finally {
      await nft.close();
    }
  }, 'clil');
});

test('decode: bytes captured from nft (hex, pcap, nft --debug=mnl) name every attribute as the kernel headers do', async () => {
  await withNetns(async (ns) => {
    const enums = uapiEnums();
    // Attributes newer than the installed headers (linux-libc-dev 6.1), from protocol.md §3.
    for (const [k, v] of Object.entries({ NFTA_SET_TYPE: 19, NFTA_SET_COUNT: 20, NFTA_TRACE_CT_ID: 18, NFTA_DEVICE_PREFIX: 2 })) if (!enums.has(k)) enums.set(k, v);
    assert.ok(enums.size > 300, 'the uapi headers are needed for this test');
    const script = 'add table ip t\nadd chain ip t base { type filter hook input priority 0; policy drop; }\n'
      + 'add rule ip t base ip daddr 10.1.2.3 counter accept\nadd rule ip t base tcp dport 22 drop\n'
      + 'add set ip t s { type ipv4_addr; flags interval; elements = { 10.0.0.0/8 } }\nadd counter ip t k\nadd rule ip t base ip saddr @s counter name k\n';
    const cap = await captureNft(ns, ['-e', '-f', '-'], script);
    assert.equal(cap.code, 0);
    // And an error with an extended ack: deleting a table that does not exist.
    const bad = await captureNft(ns, ['delete', 'table', 'ip', 'nope']);
    const datagrams = [...cap.datagrams, ...bad.datagrams];
    assert.ok(datagrams.some((d) => d.toKernel) && datagrams.some((d) => !d.toKernel));

    const dir = mkdtempSync(join(tmpdir(), 'nftlink-dec-'));
    try {
      const hexFile = join(dir, 'sent.hex');
      writeFileSync(hexFile, cap.datagrams.filter((d) => d.toKernel).map((d) => d.data.toString('hex')).join('\n') + '\n');
      const pcapFile = join(dir, 'all.pcap');
      writeFileSync(pcapFile, writePcap(datagrams.map((d) => ({ data: d.data, toKernel: d.toKernel }))));
      const mnl = await ns.exec('nft', ['--debug=mnl', '-f', '-'], { input: script.replace(/ip t\b/g, 'ip t2') });
      assert.equal(mnl.code, 0, mnl.stderr);
      const mnlFile = join(dir, 'nft.mnl');
      writeFileSync(mnlFile, mnl.stdout + mnl.stderr);

      const sentHex = cap.datagrams.filter((d) => d.toKernel).map((d) => d.data.toString('hex'));
      const [hexFileRun, hexArg, hexStdin, pcapRun, pcapStdin, mnlRun] = await Promise.all([
        nftlink(['decode', hexFile]),
        nftlink(['decode', ...sentHex]),
        nftlink(['decode'], { input: sentHex.join('\n') }),
        nftlink(['decode', pcapFile]),
        nftlink(['decode', '-'], { input: Buffer.from(writePcap(datagrams)) }),
        nftlink(['decode', '--format', 'mnl', mnlFile]),
      ]);
      const runs = { hexFile: hexFileRun!, hexArg: hexArg!, hexStdin: hexStdin!, pcap: pcapRun!, pcapStdin: pcapStdin!, mnl: mnlRun! };
      assert.equal(runs.hexFile.stdout, runs.hexArg.stdout);
      assert.equal(runs.hexFile.stdout, runs.hexStdin.stdout);
      assert.equal(runs.pcap.stdout, runs.pcapStdin.stdout);
      for (const [name, r] of Object.entries(runs)) {
        assert.equal(r.code, 0, `${name}: ${r.stderr}`);
        let checked = 0;
        for (const line of r.stdout.split('\n')) {
          // `NAME (type[ N][ B]) len L…` and `[i] NAME (type…) len L`
          const m = /^\s*(?:\[\d+\] )?([A-Z][A-Z0-9_]+) \((\d+)(?: N)?(?: B)?\) len \d+/.exec(line);
          if (!m) continue;
          const want = enums.get(m[1]!);
          assert.ok(want !== undefined, `${name}: ${m[1]} is not a kernel name (${line.trim()})`);
          assert.equal(Number(m[2]), want, `${name}: ${line.trim()}`);
          checked++;
        }
        assert.ok(checked > 30, `${name}: only ${checked} attributes named`);
        assert.doesNotMatch(r.stdout, /!!/, name);
        // Every attribute has a name.
        assert.doesNotMatch(r.stdout, /not in the schema|no schema for expression/, name);
      }
      // What each form shows.
      const sent = runs.hexFile.stdout;
      assert.match(sent, /NFT_MSG_NEWRULE {2}len \d+ {2}type 0x0a06 {2}flags 0x0c09 \(REQUEST\|ECHO\|CREATE\|APPEND\)/);
      assert.match(sent, /NFTA_CHAIN_HOOK \(4 N\) len 20\n\s+NFTA_HOOK_HOOKNUM \(1\) len 8: 1\n\s+NFTA_HOOK_PRIORITY \(2\) len 8: 0/);
      assert.match(sent, /NFTA_CHAIN_POLICY \(5\) len 8: 0/);
      assert.match(sent, /=> \[ payload load 4b @ network header \+ 16 => reg 1 \]/);
      assert.match(sent, /=> \[ cmp eq reg 1 0x0302010a \]/);
      assert.match(sent, /libnftnl:\n {4}ip t base\n {6}\[ payload load 4b @ network header \+ 16 => reg 1 \]/);
      const pcap = runs.pcap.stdout;
      assert.match(pcap, /# packet 1, \d+ bytes, to kernel/);
      assert.match(pcap, /to user/);
      assert.match(pcap, /NFT_MSG_NEWGEN .*\n.*\n\s+NFTA_GEN_ID \(1\) len 8: \d+/);
      assert.match(pcap, /NFTA_GEN_PROC_NAME \(3\) len 8: "nft"/);
      assert.match(pcap, /NLMSG_ERROR .*\n {2}error: -2 ENOENT\n {2}request: NFT_MSG_DELTABLE/);
      assert.match(runs.mnl.stdout, /only the R\/M\/A\/E message flags are recorded/);
      assert.match(runs.mnl.stdout, /NFTA_RULE_TABLE \(1\) len 7: "t2"/);

      // Bad input: one clear line, no stack trace.
      const firstRule = cap.datagrams.find((d) => d.toKernel && d.data.includes(Buffer.from('payload')))!.data.toString('hex');
      const cases: [string, Parameters<typeof nftlink>][] = [
        ['odd-length hex', [['decode', '14000000100']]],
        ['truncated message', [['decode', firstRule.slice(0, firstRule.length - 46)]]],
        ['random bytes', [['decode'], { input: Buffer.from([0x8f, 0x01, 0xff, 0x22, 0x90, 0x00, 0x13, 0x37, 0xee, 0xc3]) }]],
        ['random hex', [['decode', 'deadbeefcafebabe0123456789abcdef']]],
        ['not a capture of netlink', [['decode', '-'], { input: Buffer.from(writePcap([{ data: Buffer.alloc(20), toKernel: true }])).fill(0, 20, 21) }]],
        ['empty input', [['decode'], { input: '' }]],
        ['unknown format', [['decode', '--format', 'xml', '00']]],
      ];
      const results = await Promise.all(cases.map(([, callArgs]) => nftlink(...callArgs)));
      cases.forEach(([what], i) => {
        const r = results[i]!;
        assert.ok(isCleanError(r), `${what}: code ${r.code}, stderr ${JSON.stringify(r.stderr)}`);
      });
      assert.match(results[0]!.stderr, /^nftlink: odd number of hex digits \(11\)/);
      assert.match(results[1]!.stderr, /runs past the data .*truncated/);
      assert.match(results[2]!.stderr, /not hex: byte 0x8f at position 0/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 'clid');
});

test('monitor: changes made by nft, as lines and as JSON lines', async () => {
  await withNetns(async (ns) => {
    const child = spawn(process.execPath, [CLI, '--netns', ns.path, 'monitor', '--json', '--duration', '30'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
    const lines = (): string[] => out.split('\n').filter((l) => l !== '');
    try {
      // The monitor is listening once a change shows up: make one until then.
      let started = false;
      for (let i = 0; i < 50 && !started; i++) {
        await ns.nft(`add table ip warmup${i}`);
        started = await waitFor(() => out.length > 0, 100);
      }
      assert.ok(started, `monitor printed nothing: ${err}`);
      await waitFor(() => false, 200);
      const before = lines().length;
      await ns.nftFile('add table ip t\nadd chain ip t c\nadd rule ip t c counter\n');
      assert.ok(await waitFor(() => lines().length >= before + 4, 10_000), out);
      child.kill('SIGINT');
      const code = await Promise.race([exited, sleep(10_000).then(() => -2)]);
      assert.equal(code, 0, err);
      const events = lines().slice(before).map((l) => JSON.parse(l) as { type: string; kind?: string; generation: number; object?: { name?: string; exprs?: unknown[] } });
      assert.deepEqual(events.map((e) => `${e.type}${e.kind ? ' ' + e.kind : ''}`), ['add table', 'add chain', 'add rule', 'generation']);
      assert.equal(events[0]!.object?.name, 't');
      assert.deepEqual(events[2]!.object?.exprs, [{ type: 'counter', packets: 0, bytes: 0 }]);
      assert.equal(new Set(events.map((e) => e.generation)).size, 1);
    } finally {
      child.kill('SIGTERM');
    }
    const human = spawn(process.execPath, [CLI, '--netns', ns.path, 'monitor', 'rules', '--grouped', '--count', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let hout = '';
    human.stdout.on('data', (d: Buffer) => (hout += d));
    const hexit = new Promise<number>((r) => human.on('exit', (code) => r(code ?? -1)));
    try {
      for (let i = 0; i < 50 && hout === ''; i++) {
        await ns.nft(`add rule ip t c ip daddr 10.0.0.${i} accept`);
        await waitFor(() => hout !== '', 100);
      }
      assert.equal(await Promise.race([hexit, sleep(15_000).then(() => -2)]), 0);
      assert.match(hout, /^# generation \d+ by process \d+ \(nft\), port \d+: 1 change\n {2}add rule ip t c handle \d+ \[ payload load 4b @ network header \+ 16 => reg 1 \] \[ cmp eq reg 1 0x\w+ \] \[ immediate reg 0 accept \]\n$/);
    } finally {
      human.kill('SIGTERM');
    }
  }, 'clim');
});

test('gen: the generation, and with --wait the next one and who made it', async () => {
  await withNetns(async (ns: Netns) => {
    const nft = await Nftables.open({ netns: ns.path });
    try {
      await ns.nft('add table ip t');
      const g = await nft.getGeneration();
      const r = await nftlink(['gen', '--netns', ns.path]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `generation ${g.id}\n`);
      const j = await nftlink(['gen', '--json', '--netns', ns.path]);
      assert.deepEqual(JSON.parse(j.stdout), { generation: g.id });

      const child = spawn(process.execPath, [CLI, '--netns', ns.path, 'gen', '--wait', '--timeout', '15'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      const exited = new Promise<number>((res) => child.on('exit', (code) => res(code ?? -1)));
      let pid = 0;
      for (let i = 0; i < 100 && out === ''; i++) {
        // Each attempt is one commit by a fresh nft; the first one the waiter sees is reported.
        await ns.nft(`add chain ip t c${i}`);
        await waitFor(() => out !== '', 100);
      }
      assert.equal(await Promise.race([exited, sleep(15_000).then(() => -2)]), 0);
      const m = /^generation (\d+) by process (\d+) \(nft\), port (\d+), 1 change\n$/.exec(out);
      assert.ok(m, out);
      pid = Number(m[2]);
      assert.ok(Number(m[1]) > g.id);
      assert.ok(pid > 0);

      const timeout = await nftlink(['gen', '--wait', '--timeout', '0.3', '--netns', ns.path]);
      assert.ok(isCleanError(timeout));
      assert.match(timeout.stderr, /no new generation within 0.3 s/);
    } finally {
      await nft.close();
    }
  }, 'clig');
});

test('every subcommand has --help; usage errors and a missing namespace are one clear line', async () => {
  const cmds = ['list', 'monitor', 'trace', 'decode', 'gen'];
  const helps = await Promise.all(cmds.map((cmd) => nftlink([cmd, '--help'])));
  cmds.forEach((cmd, i) => {
    assert.equal(helps[i]!.code, 0);
    assert.match(helps[i]!.stdout, new RegExp(`^usage: nftlink ${cmd}`));
  });
  const top = await nftlink(['--help']);
  assert.equal(top.code, 0);
  for (const cmd of cmds) assert.match(top.stdout, new RegExp(`^ {2}${cmd} `, 'm'));
  const bad = [['bogus'], ['list', '--bogus'], ['list', 'table', 'ipx', 't'], ['monitor', 'spoons'], ['--netns', '/nonexistent/ns', 'list'], ['gen', '--count', 'x']];
  const results = await Promise.all(bad.map((args) => nftlink(args)));
  bad.forEach((args, i) => {
    const r = results[i]!;
    assert.ok(isCleanError(r), `${args.join(' ')}: ${r.code} ${JSON.stringify(r.stderr)}`);
    assert.equal(r.code, 2, args.join(' '));
  });
});

test('trace: runs in a namespace and stops after --duration', async () => {
  await withNetns(async (ns) => {
    const r = await nftlink(['trace', '--netns', ns.path, '--duration', '0.3']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
  }, 'clit');
});
