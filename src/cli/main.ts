#!/usr/bin/env node
// nftlink: the command line. A thin shell over the public API and the
// printers in src/format; every failure ends as one line on stderr and a
// non-zero exit status.

import { readFileSync, existsSync, statSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { Family, MonitorEvent, Nftables, TransactionEvent } from '../index.js';
import type { InputFormat } from '../format/decode.js';

// The library is loaded by the commands that need it, so --help and usage
// errors answer at once.
const lib = (): Promise<typeof import('../index.js')> => import('../index.js');
const fmt = async (): Promise<typeof import('../format/events.js') & typeof import('../format/json.js') & typeof import('../format/list.js')> => ({
  ...(await import('../format/events.js')),
  ...(await import('../format/json.js')),
  ...(await import('../format/list.js')),
});

const FAMILIES = ['ip', 'ip6', 'inet', 'arp', 'bridge', 'netdev'];
const KINDS = ['table', 'chain', 'rule', 'set', 'element', 'object', 'flowtable'];

/** A mistake in how the command was called: exit status 2. */
class UsageError extends Error {}

const MAIN_HELP = `usage: nftlink [--netns PATH] COMMAND [ARGS] [--help]

nf_tables over netlink, without nft.

commands:
  list      show the ruleset, a table, a chain or a set
  monitor   print ruleset changes as they are committed
  trace     print packet traces (rules with \`meta nftrace set 1\`)
  decode    annotate netlink bytes (hex, \`nft --debug=mnl\` output, pcap)
  gen       print the ruleset generation (and who makes the next ones)

options for every command:
  --netns PATH   work in this network namespace (a file such as
                 /var/run/netns/NAME or /proc/PID/ns/net; a bare NAME means
                 /var/run/netns/NAME)
  -h, --help     help for the command

environment:
  NFTLINK_DEBUG=netlink   print every netlink message sent and received to stderr
`;

const HELP: Record<string, string> = {
  list: `usage: nftlink list [ruleset]                  [--json | --debug] [--family F]
       nftlink list tables                     [--json] [--family F]
       nftlink list table FAMILY NAME          [--json | --debug]
       nftlink list chain FAMILY TABLE NAME    [--json | --debug]
       nftlink list set FAMILY TABLE NAME      [--json | --debug]

Reads one consistent snapshot and prints it as a tree (default), as
nftlink's own objects in JSON (--json; 64-bit values that do not fit a JSON
number are strings, bytes are hex strings), or in libnftnl's text (--debug),
which can be diffed against what \`nft --debug=netlink list …\` prints before
its ruleset listing.

  --json         JSON
  --debug        libnftnl's debug text
  --family F     only this family (ip, ip6, inet, arp, bridge, netdev)
  --netns PATH   network namespace
`,
  monitor: `usage: nftlink monitor [KIND…] [--json] [--grouped] [--count N] [--duration SECONDS]

Prints every change committed to the ruleset, as it happens: one line per
change, then a line for the new generation with the process that made it.
KIND limits the output to tables, chains, rules, sets, elements, objects or
flowtables. When the kernel drops events (the receive buffer overflowed) a
line says so, with a fresh snapshot; nothing is lost silently.

  --json             one JSON object per line
  --grouped          one entry per transaction holding its changes
  --count N          stop after N events
  --duration SECS    stop after this many seconds
  --netns PATH       network namespace
Stops on Ctrl-C.
`,
  trace: `usage: nftlink trace [--json] [--count N] [--duration SECONDS] [--idle MS]

Prints one record per traced packet (packets a rule marked with
\`meta nftrace set 1\`): its headers, interfaces and mark, then every rule
it matched with the rule's expressions and verdict, and the policies applied.

  --json             one JSON object per line
  --count N          stop after N records
  --duration SECS    stop after this many seconds
  --idle MS          a packet's record is complete after MS without a step (default 100)
  --netns PATH       network namespace
Stops on Ctrl-C.
`,
  decode: `usage: nftlink decode [HEX… | FILE | -] [--format hex|mnl|pcap|pcapng]

Prints each netlink message with its header fields, every attribute with its
kernel name, type number, length and value, each expression in libnftnl's
words, and the libnftnl print of the object.

Input (from the arguments, a file, or standard input when none or '-'):
  hex       hex digits, spaces and colons allowed (e.g. what strace -X shows)
  mnl       the dump \`nft --debug=mnl\` prints (message flags other than
            REQUEST/MULTI/ACK/ECHO are not in that dump)
  pcap      a capture of netlink traffic (link type NETLINK 253, as an nlmon
            device produces); pcapng works too
The form is detected unless --format is given.
`,
  gen: `usage: nftlink gen [--json] [--wait] [--count N] [--follow] [--timeout SECONDS]

Prints the current ruleset generation. The kernel does not record who made
a generation; with --wait nftlink waits for the next commit and prints its
generation with the process (pid, name) and netlink port that made it.

  --json             JSON
  --wait             wait for the next committed generation
  --count N          with --wait: wait for N generations (default 1)
  --follow           with --wait: keep printing generations until Ctrl-C
  --timeout SECS     with --wait: give up after this long
  --netns PATH       network namespace
`,
};

type Values = Record<string, string | boolean | undefined>;

function parse(cmd: string, args: string[], options: ParseArgsConfig['options']): { values: Values; positionals: string[] } {
  try {
    const r = parseArgs({
      args,
      options: { ...options, help: { type: 'boolean', short: 'h' }, netns: { type: 'string' } },
      allowPositionals: true,
      strict: true,
    });
    return { values: r.values as Values, positionals: r.positionals };
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/^Unknown option/, 'unknown option');
    throw new UsageError(`${cmd}: ${msg} (see nftlink ${cmd} --help)`);
  }
}

function netnsPath(v: string | boolean | undefined): string | undefined {
  if (typeof v !== 'string') return undefined;
  if (v === '') throw new UsageError('--netns needs a path');
  const path = v.includes('/') ? v : `/var/run/netns/${v}`;
  if (!existsSync(path)) throw new UsageError(`--netns ${v}: ${path} does not exist`);
  return path;
}

function family(cmd: string, v: string | undefined): Family {
  if (v === undefined || !FAMILIES.includes(v)) {
    throw new UsageError(`${cmd}: ${v === undefined ? 'missing FAMILY' : `unknown family ${JSON.stringify(v)}`} (one of ${FAMILIES.join(', ')})`);
  }
  return v as Family;
}

function need(cmd: string, what: string, v: string | undefined): string {
  if (v === undefined || v === '') throw new UsageError(`${cmd}: missing ${what} (see nftlink ${cmd.split(' ')[0]} --help)`);
  return v;
}

function positiveInt(name: string, v: string | boolean | undefined): number | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`${name} needs a positive whole number, not ${JSON.stringify(v)}`);
  return n;
}

function seconds(name: string, v: string | boolean | undefined): number | undefined {
  if (v === undefined || typeof v === 'boolean') return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} needs a positive number of seconds, not ${JSON.stringify(v)}`);
  return n;
}

/** Writes to stdout; resolves when the data is handed off (so a closed pipe ends us quietly). */
function out(text: string): Promise<void> {
  return new Promise((resolve) => {
    if (process.stdout.write(text)) resolve();
    else process.stdout.once('drain', resolve);
  });
}

async function open(values: Values): Promise<Nftables> {
  const netns = netnsPath(values['netns']);
  const { Nftables } = await lib();
  return Nftables.open(netns ? { netns } : {});
}

/** An AbortController fired by Ctrl-C, SIGTERM or the --duration timer. */
function stopper(durationSecs: number | undefined): { signal: AbortSignal; dispose(): void } {
  const ac = new AbortController();
  const onSig = (): void => ac.abort();
  process.once('SIGINT', onSig);
  process.once('SIGTERM', onSig);
  const timer = durationSecs !== undefined ? setTimeout(() => ac.abort(), durationSecs * 1000) : undefined;
  return {
    signal: ac.signal,
    dispose() {
      process.off('SIGINT', onSig);
      process.off('SIGTERM', onSig);
      if (timer) clearTimeout(timer);
    },
  };
}

// --- list ----------------------------------------------------------------------------------

async function cmdList(args: string[]): Promise<number> {
  const { values, positionals } = parse('list', args, {
    json: { type: 'boolean' },
    debug: { type: 'boolean' },
    family: { type: 'string' },
  });
  if (values['help']) return help('list');
  if (values['json'] && values['debug']) throw new UsageError('list: --json and --debug exclude each other');
  const what = positionals[0] ?? 'ruleset';
  const fam = values['family'] !== undefined ? family('list', values['family'] as string) : undefined;
  const form = values['json'] ? 'json' : values['debug'] ? 'debug' : 'tree';
  const { stringifyJSON, formatListingDebug, formatListingTree } = await fmt();
  const expect = (n: number, usage: string): void => {
    if (positionals.length !== n) throw new UsageError(`list ${what}: expected ${usage} (see nftlink list --help)`);
  };
  switch (what) {
    case 'ruleset': {
      expect(positionals.length === 0 ? 0 : 1, 'no further arguments');
      const nft = await open(values);
      try {
        const rs = await nft.listRuleset(fam ? { family: fam } : {});
        if (form === 'json') await out(stringifyJSON(rs, 2) + '\n');
        else if (form === 'debug') await out(formatListingDebug(rs));
        else await out(formatListingTree(rs));
      } finally {
        await nft.close();
      }
      return 0;
    }
    case 'tables': {
      expect(1, 'no further arguments');
      const nft = await open(values);
      try {
        const tables = await nft.listTables(fam ? { family: fam } : {});
        if (form === 'json') await out(stringifyJSON(tables, 2) + '\n');
        else await out(formatListingTree({ tables, chains: [] }));
      } finally {
        await nft.close();
      }
      return 0;
    }
    case 'table':
    case 'chain': {
      const isChain = what === 'chain';
      expect(isChain ? 4 : 3, isChain ? 'FAMILY TABLE NAME' : 'FAMILY NAME');
      const f = family(`list ${what}`, positionals[1]);
      const table = need(`list ${what}`, isChain ? 'TABLE' : 'NAME', positionals[2]);
      const nft = await open(values);
      try {
        const st = await (await lib()).readTableState(nft, { family: f, table });
        if (!st.table) throw new CliError(`table ${f} ${table} does not exist`);
        if (!isChain) {
          const listing = { tables: [st.table], chains: st.chains, rules: st.rules, sets: st.sets, objects: st.objects, flowtables: st.flowtables };
          if (form === 'json') await out(stringifyJSON(st, 2) + '\n');
          else if (form === 'debug') await out(formatListingDebug(listing));
          else await out(formatListingTree(listing));
        } else {
          const name = need('list chain', 'NAME', positionals[3]);
          const chain = st.chains.find((c) => c.name === name);
          if (!chain) throw new CliError(`chain ${f} ${table} ${name} does not exist`);
          const rules = st.rules.filter((r) => r.chain === name);
          if (form === 'json') await out(stringifyJSON({ generation: st.generation, chain, rules }, 2) + '\n');
          // As nft does for a chain: the table's sets, then the chain's rules.
          else if (form === 'debug') await out(formatListingDebug({ tables: [st.table], chains: [chain], rules, sets: st.sets }));
          else await out(formatListingTree({ tables: [st.table], chains: [chain], rules }));
        }
      } finally {
        await nft.close();
      }
      return 0;
    }
    case 'set': {
      expect(4, 'FAMILY TABLE NAME');
      const f = family('list set', positionals[1]);
      const table = need('list set', 'TABLE', positionals[2]);
      const name = need('list set', 'NAME', positionals[3]);
      const nft = await open(values);
      try {
        const ref = { family: f, table, name };
        // The set and its elements at one generation.
        const set = await nft.snapshot(async () => {
          const x = await nft.getSet(ref);
          x.elements = await nft.listElements({ family: f, table, set: name });
          return x;
        });
        if (form === 'json') await out(stringifyJSON(set, 2) + '\n');
        else if (form === 'debug') await out(formatListingDebug({ tables: [{ family: f, name: table }], chains: [], sets: [set] }));
        else await out(formatListingTree({ tables: [{ family: f, name: table }], chains: [], sets: [set] }).split('\n').slice(1).join('\n').replace(/^ {2}/gm, ''));
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') throw new CliError(`set ${f} ${table} ${name} does not exist`);
        throw e;
      } finally {
        await nft.close();
      }
      return 0;
    }
    default:
      throw new UsageError(`list: unknown object ${JSON.stringify(what)} (ruleset, tables, table, chain or set)`);
  }
}

/** A failure to report as it is (exit status 1). */
class CliError extends Error {}

// --- monitor -------------------------------------------------------------------------------

async function cmdMonitor(args: string[]): Promise<number> {
  const { values, positionals } = parse('monitor', args, {
    json: { type: 'boolean' },
    grouped: { type: 'boolean' },
    count: { type: 'string' },
    duration: { type: 'string' },
  });
  if (values['help']) return help('monitor');
  const objects: string[] = [];
  for (const p of positionals) {
    const k = p.endsWith('s') ? p.slice(0, -1) : p;
    if (!KINDS.includes(k)) throw new UsageError(`monitor: unknown kind ${JSON.stringify(p)} (tables, chains, rules, sets, elements, objects, flowtables)`);
    objects.push(k);
  }
  const count = positiveInt('--count', values['count']);
  const stop = stopper(seconds('--duration', values['duration']));
  const { stringifyJSON, formatMonitorEvent } = await fmt();
  const nft = await open(values);
  try {
    const mon = nft.monitor({
      signal: stop.signal,
      ...(objects.length ? { objects: objects as ('table')[] } : {}),
      ...(values['grouped'] ? { groupByTransaction: true } : {}),
    }) as AsyncIterable<MonitorEvent | TransactionEvent>;
    let n = 0;
    for await (const ev of mon) {
      await out((values['json'] ? stringifyJSON(ev) : formatMonitorEvent(ev)) + '\n');
      if (count !== undefined && ++n >= count) break;
    }
  } finally {
    stop.dispose();
    await nft.close();
  }
  return 0;
}

// --- trace ---------------------------------------------------------------------------------

async function cmdTrace(args: string[]): Promise<number> {
  const { values, positionals } = parse('trace', args, {
    json: { type: 'boolean' },
    count: { type: 'string' },
    duration: { type: 'string' },
    idle: { type: 'string' },
  });
  if (values['help']) return help('trace');
  if (positionals.length) throw new UsageError(`trace: unexpected argument ${JSON.stringify(positionals[0])} (see nftlink trace --help)`);
  const count = positiveInt('--count', values['count']);
  const idle = positiveInt('--idle', values['idle']);
  const stop = stopper(seconds('--duration', values['duration']));
  const { stringifyJSON, formatTrace } = await fmt();
  const nft = await open(values);
  try {
    const tr = nft.trace({ signal: stop.signal, ...(idle ? { idleMs: idle } : {}) });
    let n = 0;
    for await (const ev of tr) {
      await out((values['json'] ? stringifyJSON(ev) : formatTrace(ev)) + '\n');
      if (count !== undefined && ++n >= count) break;
    }
  } finally {
    stop.dispose();
    await nft.close();
  }
  return 0;
}

// --- decode --------------------------------------------------------------------------------

function readStdin(): Buffer {
  if (process.stdin.isTTY) throw new UsageError('decode: no input (give hex digits, a file, or pipe the bytes in; see nftlink decode --help)');
  try {
    return readFileSync(0);
  } catch (e) {
    throw new CliError(`decode: cannot read standard input: ${(e as Error).message}`);
  }
}

async function cmdDecode(args: string[]): Promise<number> {
  const { values, positionals } = parse('decode', args, { format: { type: 'string' } });
  if (values['help']) return help('decode');
  netnsPath(values['netns']);
  const format = values['format'] as string | undefined;
  if (format !== undefined && !['hex', 'mnl', 'pcap', 'pcapng'].includes(format)) {
    throw new UsageError(`decode: unknown --format ${JSON.stringify(format)} (hex, mnl, pcap, pcapng)`);
  }
  let data: Uint8Array;
  if (positionals.length === 0 || (positionals.length === 1 && positionals[0] === '-')) {
    data = readStdin();
  } else if (positionals.length === 1 && existsSync(positionals[0]!) && statSync(positionals[0]!).isFile()) {
    try {
      data = readFileSync(positionals[0]!);
    } catch (e) {
      throw new CliError(`decode: cannot read ${positionals[0]}: ${(e as Error).message}`);
    }
  } else {
    data = Buffer.from(positionals.join(' '), 'latin1');
  }
  const { describeDatagrams, parseInput } = await import('../format/decode.js');
  const datagrams = parseInput(data, format as InputFormat | undefined);
  const r = describeDatagrams(datagrams);
  await out(r.text + '\n');
  if (r.errors.length) {
    throw new CliError(`decode: ${r.errors[0]}${r.errors.length > 1 ? ` (and ${r.errors.length - 1} more problems, marked !! above)` : ''}`);
  }
  return 0;
}

// --- gen -----------------------------------------------------------------------------------

async function cmdGen(args: string[]): Promise<number> {
  const { values, positionals } = parse('gen', args, {
    json: { type: 'boolean' },
    wait: { type: 'boolean' },
    follow: { type: 'boolean' },
    count: { type: 'string' },
    timeout: { type: 'string' },
  });
  if (values['help']) return help('gen');
  if (positionals.length) throw new UsageError(`gen: unexpected argument ${JSON.stringify(positionals[0])} (see nftlink gen --help)`);
  const wait = values['wait'] || values['follow'] || values['count'] !== undefined;
  const count = values['follow'] ? Infinity : positiveInt('--count', values['count']) ?? 1;
  const timeout = seconds('--timeout', values['timeout']);
  const { stringifyJSON } = await fmt();
  const nft = await open(values);
  try {
    if (!wait) {
      const g = await nft.getGeneration();
      await out(values['json'] ? stringifyJSON({ generation: g.id }) + '\n' : `generation ${g.id}\n`);
      return 0;
    }
    const stop = stopper(timeout);
    try {
      const mon = nft.monitor({ signal: stop.signal, groupByTransaction: true });
      let n = 0;
      for await (const ev of mon) {
        if (ev.type !== 'transaction') continue;
        const rec = { generation: ev.generation, portId: ev.portId, ...(ev.process ? { process: ev.process } : {}), changes: ev.changes.length };
        const who = ev.process ? `process ${ev.process.pid} (${ev.process.name})` : 'an unknown process';
        await out(values['json'] ? stringifyJSON(rec) + '\n' : `generation ${ev.generation} by ${who}, port ${ev.portId}, ${rec.changes} change${rec.changes === 1 ? '' : 's'}\n`);
        if (++n >= count) break;
      }
      if (n < count && timeout !== undefined && stop.signal.aborted && count !== Infinity) {
        throw new CliError(`gen: no new generation within ${timeout} s`);
      }
    } finally {
      stop.dispose();
    }
  } finally {
    await nft.close();
  }
  return 0;
}

// --- main ----------------------------------------------------------------------------------

async function help(cmd?: string): Promise<number> {
  await out(cmd ? HELP[cmd]! : MAIN_HELP);
  return 0;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  list: cmdList,
  monitor: cmdMonitor,
  trace: cmdTrace,
  decode: cmdDecode,
  gen: cmdGen,
};

async function main(argv: string[]): Promise<number> {
  // Global options may come before the command: nftlink --netns X list.
  const pre: string[] = [];
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--netns') {
      if (i + 1 >= argv.length) throw new UsageError('--netns needs a path');
      pre.push(a, argv[++i]!);
    } else if (a.startsWith('--netns=')) {
      pre.push(a);
    } else if (a === '-h' || a === '--help') {
      return help(argv[i + 1] && COMMANDS[argv[i + 1]!] ? argv[i + 1] : undefined);
    } else if (a === 'help') {
      return help(argv[i + 1] && COMMANDS[argv[i + 1]!] ? argv[i + 1] : undefined);
    } else {
      break;
    }
  }
  const cmd = argv[i];
  if (cmd === undefined) {
    await help();
    return 2;
  }
  const run = COMMANDS[cmd];
  if (!run) throw new UsageError(`unknown command ${JSON.stringify(cmd)} (list, monitor, trace, decode, gen; see nftlink --help)`);
  return run([...argv.slice(i + 1), ...pre]);
}

function report(e: unknown): number {
  const err = e as { message?: string; code?: string };
  let msg = err?.message ?? String(e);
  // One line: the first line of the message is the error; the rest (if any) is detail nobody asked for.
  msg = msg.split('\n')[0]!;
  if (process.env['NFTLINK_DEBUG']?.split(',').includes('stack') && e instanceof Error && e.stack) {
    process.stderr.write(`${e.stack}\n`);
  }
  process.stderr.write(`nftlink: ${msg}\n`);
  return e instanceof UsageError ? 2 : 1;
}

process.on('uncaughtException', (e) => {
  process.exitCode = report(e);
  process.exit();
});
process.on('unhandledRejection', (e) => {
  process.exitCode = report(e);
  process.exit();
});
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  // The reader went away (nftlink monitor | head): stop quietly.
  if (e.code === 'EPIPE') process.exit(0);
  process.exitCode = report(e);
  process.exit();
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.exitCode = report(e);
  },
);
