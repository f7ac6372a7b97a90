// The conformance runner: replays the shared corpus (../shared/corpus by
// default, see its README) against the kernel in throwaway namespaces and
// checks that nftlink lists what nft lists and writes back what it listed.
//
//   npm run conformance -- [--corpus DIR] [--report FILE] [--jobs N] [--only REGEX]
//                          [--rules-only | --rulesets-only] [--exceptions FILE]
//                          [--batch N] [--tz TZ] [--verbose] [--progress]
//
// Rules (records with kernelAccepts): load the record with nft; list the
// table's sets, their elements and the chain's rules with nftlink in the
// kernel's dump order; print them in libnftnl's format; compare with the
// record's dumpNetlink (decodeMatch). Then delete the rule, add it back from
// its decoded form (with the anonymous sets it binds) and compare nft's
// listing of the chain before and after (roundTrip).
//
// Rulesets: load with nft in one namespace, list with nftlink, recreate with
// nftlink (tx.addRuleset) in a second namespace, compare the two `nft list ruleset`.
//
// Speed: starting nft is most of the cost, so each job owns one namespace and
// takes records in batches: `flush ruleset`, then every record of the batch
// in its own table (so handles and anonymous set names are those of a fresh
// load), all in one nft run; one `nft list ruleset` before and one after the
// round trips, from which each record's chain block is compared. A batch nft
// refuses is reloaded record by record to name the culprit. Rulesets use two
// namespaces per job, flushed between rulesets.
//
// Prints a one-line summary on stdout, writes the JSON report, and exits 1
// when anything fails that test/conformance/exceptions.json does not list.

import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { Nftables } from '../../src/client/nftables.js';
import { ruleForRecreate } from '../../src/client/transaction.js';
import { formatSetElements } from '../../src/format/set.js';
import type { Family } from '../../src/nftables/constants.js';
import type { Expr } from '../../src/nftables/expr/index.js';
import { formatRule, type Rule } from '../../src/nftables/rule.js';
import type { NftSet } from '../../src/nftables/set.js';
import { corpusDir, loadCorpusRules, recordScript, REPO_ROOT, type CorpusRule } from '../helpers/corpus.js';
import { Netns } from '../helpers/netns.js';
import { canonicalListing, chainBlock, sameListing } from './listing.js';

interface Options {
  corpus: string;
  report: string | undefined;
  jobs: number;
  only: RegExp | undefined;
  rules: boolean;
  rulesets: boolean;
  exceptions: string;
  verbose: boolean;
  progress: boolean;
  /** Records loaded together, each in its own table. */
  batch: number;
  /** Time zone nft runs in (the corpus's). */
  tz: string;
}

export interface Failure {
  id: string;
  stage: string;
  expected: string;
  got: string;
  /** Listed in exceptions.json, with this reason. */
  excepted?: string;
}

interface ExceptionsFile {
  rules: { id: string; stage: string; reason: string }[];
  rulesets: { name: string; reason: string }[];
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    corpus: corpusDir(),
    report: undefined,
    jobs: 2,
    only: undefined,
    rules: true,
    rulesets: true,
    exceptions: join(REPO_ROOT, 'test', 'conformance', 'exceptions.json'),
    verbose: false,
    progress: false,
    batch: 64,
    tz: 'UTC-2',
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--corpus': o.corpus = resolve(val()); break;
      case '--report': o.report = resolve(val()); break;
      case '--jobs': o.jobs = Math.max(1, Number.parseInt(val(), 10) || 1); break;
      case '--only': o.only = new RegExp(val()); break;
      case '--rules-only': o.rulesets = false; break;
      case '--rulesets-only': o.rules = false; break;
      case '--exceptions': o.exceptions = resolve(val()); break;
      case '--verbose': o.verbose = true; break;
      case '--progress': o.progress = true; break;
      case '--tz': o.tz = val(); break;
      case '--batch': o.batch = Math.max(1, Number.parseInt(val(), 10) || 1); break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  return o;
}

/** Runs `jobs` workers over the items; each worker gets its own state from `open`. */
async function pool<T, W>(items: T[], jobs: number, open: () => Promise<W>, close: (w: W) => Promise<void>,
  each: (w: W, item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, async () => {
    const w = await open();
    try {
      while (next < items.length) await each(w, items[next++]!);
    } finally {
      await close(w);
    }
  }));
}

// --- rules ----------------------------------------------------------------------------

/** Milliseconds spent per step, summed over all workers (in the report). */
const timings: Record<string, number> = {};
async function timed<T>(step: string, f: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  try {
    return await f();
  } finally {
    timings[step] = (timings[step] ?? 0) + performance.now() - t0;
  }
}

interface RuleWorker {
  ns: Netns;
  nft: Nftables;
}

/** One record inside a batch: loaded into its own table so handles and anonymous set names match a fresh load. */
interface Slot {
  r: CorpusRule;
  /** The table it was loaded into. */
  table: string;
  failures: Failure[];
  decodeMatch: boolean;
  roundTrip: boolean;
  /** Set when the rule was listed: what the round trip re-adds. */
  sets?: NftSet[];
  rule?: Rule;
}

/** Where a rule's expressions name a set (lookup, dynset, objref maps). */
function setRefs(e: Expr): string | undefined {
  const s = (e as { set?: unknown }).set;
  return typeof s === 'string' ? s : undefined;
}

/** A record's dumpNetlink with its table renamed: only header lines name the table. */
function renamedListing(r: CorpusRule, table: string): string[] {
  const from = `${r.family} ${r.table} `;
  return (r.dumpNetlink ?? []).map((l) => (l.startsWith(from) ? `${r.family} ${table} ${l.slice(from.length)}` : l));
}

async function loadBatch(w: RuleWorker, slots: Slot[]): Promise<void> {
  const script = ['flush ruleset', ...slots.flatMap((s) => recordScript(s.r, s.table))];
  const all = await timed('nft load', () => w.ns.exec('nft', ['-f', '-'], { input: script.join('\n') + '\n' }));
  if (all.code === 0) return;
  // One record spoilt the batch (nft loads a file all or nothing): load them one by one.
  await w.ns.exec('nft', ['flush', 'ruleset']);
  for (const s of slots) {
    const one = await timed('nft load', () => w.ns.exec('nft', ['-f', '-'], { input: recordScript(s.r, s.table).join('\n') + '\n' }));
    if (one.code !== 0) {
      s.failures.push({ id: s.r.id, stage: 'load', expected: 'nft loads the record', got: one.stderr.trim() });
      s.failures.push({ id: s.r.id, stage: 'roundTrip', expected: 'a loaded record', got: 'not loaded' });
      // Leave nothing half-made behind for the others.
      await w.ns.exec('nft', ['-f', '-'], { input: `add table ${s.r.family} ${s.table}\ndelete table ${s.r.family} ${s.table}\n` });
    }
  }
}

async function listSlot(w: RuleWorker, s: Slot): Promise<void> {
  const { r, table } = s;
  const family = r.family as Family;
  const got: string[] = [];
  const t0 = performance.now();
  try {
    s.sets = await w.nft.listSets({ family, table });
    for (const set of s.sets) {
      set.elements = await w.nft.listElements({ family, table, set: set.name });
      got.push(...formatSetElements(set, set.elements));
    }
    const rules = await w.nft.listRules({ family, table, chain: r.chain });
    for (const rule of rules) got.push(...formatRule(rule).split('\n'));
    if (rules.length === 1) s.rule = rules[0]!;
    else s.failures.push({ id: r.id, stage: 'roundTrip', expected: 'one rule in the chain', got: `${rules.length} rules` });
  } catch (e) {
    s.failures.push({ id: r.id, stage: 'decodeMatch', expected: (r.dumpNetlink ?? []).join('\n'), got: `listing failed: ${(e as Error).message}` });
    s.failures.push({ id: r.id, stage: 'roundTrip', expected: 'a listed rule', got: 'not listed' });
    return;
  } finally {
    timings['nftlink list'] = (timings['nftlink list'] ?? 0) + performance.now() - t0;
  }
  const expected = renamedListing(r, table);
  if (sameListing(expected, got)) s.decodeMatch = true;
  else s.failures.push({ id: r.id, stage: 'decodeMatch', expected: canonicalListing(expected).join('\n'), got: canonicalListing(got).join('\n') });
}

/** Deletes the listed rule and adds it back from its decoded form, with the anonymous sets it binds. */
async function readdSlot(w: RuleWorker, s: Slot): Promise<string | undefined> {
  const { r, table, rule } = s;
  const family = r.family as Family;
  try {
    const del = w.nft.transaction();
    del.deleteRule({ family, table, chain: r.chain, handle: rule!.handle! });
    await timed('nftlink commit', () => del.commit());
    const add = w.nft.transaction();
    // Anonymous sets belong to the rule that binds them: deleting the rule took them away.
    const anon = new Map((s.sets ?? []).filter((x) => x.flags?.includes('anonymous')).map((x) => [x.name, x]));
    const ids = new Map<string, number>();
    for (const e of rule!.exprs) {
      const name = setRefs(e);
      const set = name !== undefined ? anon.get(name) : undefined;
      if (!set || ids.has(set.name)) continue;
      const { handle: _h, id: _i, backend: _b, count: _c, elements, ...def } = set;
      const op = add.addSet(def);
      if (elements && elements.length > 0) add.addElements({ family, table, set: op, elements, raw: true });
      ids.set(set.name, op.setId);
    }
    const exprs = rule!.exprs.map((e) => {
      const name = setRefs(e);
      return name !== undefined && ids.has(name) ? ({ ...e, setId: ids.get(name) } as Expr) : e;
    });
    add.addRule(ruleForRecreate({ ...rule!, exprs }));
    await timed('nftlink commit', () => add.commit());
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

async function runBatch(w: RuleWorker, slots: Slot[]): Promise<void> {
  await loadBatch(w, slots);
  const loaded = slots.filter((s) => s.failures.length === 0);
  for (const s of loaded) await listSlot(w, s);
  const before = await timed('nft list', () => w.ns.exec('nft', ['list', 'ruleset']));
  const tried: Slot[] = [];
  for (const s of loaded) {
    if (!s.rule) continue;
    const err = await readdSlot(w, s);
    if (err !== undefined) {
      s.failures.push({ id: s.r.id, stage: 'roundTrip', expected: chainBlock(before.stdout, s.r.family, s.table, s.r.chain) ?? '', got: `re-adding failed: ${err}` });
    } else {
      tried.push(s);
    }
  }
  const after = await timed('nft list', () => w.ns.exec('nft', ['list', 'ruleset']));
  for (const s of tried) {
    const a = chainBlock(before.stdout, s.r.family, s.table, s.r.chain);
    const b = chainBlock(after.stdout, s.r.family, s.table, s.r.chain);
    if (before.code === 0 && after.code === 0 && a !== undefined && a === b) s.roundTrip = true;
    else s.failures.push({ id: s.r.id, stage: 'roundTrip', expected: a ?? before.stderr, got: b ?? after.stderr });
  }
}

async function runRules(o: Options, records: CorpusRule[]): Promise<{ decodeMatch: number; roundTrip: number; failures: Failure[] }> {
  let decodeMatch = 0;
  let roundTrip = 0;
  const failures: Failure[] = [];
  const batches: Slot[][] = [];
  records.forEach((r, i) => {
    if (i % o.batch === 0) batches.push([]);
    batches[batches.length - 1]!.push({ r, table: `t${i}`, failures: [], decodeMatch: false, roundTrip: false });
  });
  let done = 0;
  await pool(batches, o.jobs, async (): Promise<RuleWorker> => {
    const ns = await Netns.create('conf');
    return { ns, nft: await Nftables.open({ netns: ns.path }) };
  }, async (w) => {
    await w.nft.close();
    await w.ns.destroy();
  }, async (w, batch) => {
    await runBatch(w, batch);
    for (const s of batch) {
      if (s.decodeMatch) decodeMatch++;
      if (s.roundTrip) roundTrip++;
      failures.push(...s.failures);
      if (o.verbose) for (const f of s.failures) process.stderr.write(`FAIL ${f.id} ${f.stage}\n  expected: ${f.expected.replace(/\n/g, '\n            ')}\n  got:      ${f.got.replace(/\n/g, '\n            ')}\n`);
    }
    done += batch.length;
    if (o.progress) process.stderr.write(`rules: ${done}/${records.length}\n`);
  });
  failures.sort((a, b) => a.id.localeCompare(b.id) || a.stage.localeCompare(b.stage));
  return { decodeMatch, roundTrip, failures };
}

// --- rulesets ---------------------------------------------------------------------------

interface RulesetWorker {
  a: Netns;
  b: Netns;
  nftA: Nftables;
  nftB: Nftables;
}

/** Ruleset files: CATEGORY/NAME.nft, without the derived .netlink.txt and .listing.nft files. */
function rulesetFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const f of readdirSync(d).sort()) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else if (f.endsWith('.nft') && !f.endsWith('.listing.nft')) out.push(p);
    }
  };
  walk(dir);
  return out;
}

async function runRuleset(w: RulesetWorker, file: string, name: string): Promise<Failure | undefined> {
  const fail = (stage: string, expected: string, got: string): Failure => ({ id: name, stage, expected, got });
  for (const ns of [w.a, w.b]) {
    const f = await ns.exec('nft', ['flush', 'ruleset']);
    if (f.code !== 0) return fail('flush', '', f.stderr);
  }
  const load = await w.a.exec('nft', ['-f', file]);
  if (load.code !== 0) return fail('load', 'nft loads the ruleset', load.stderr.trim());
  const expected = await w.a.exec('nft', ['list', 'ruleset']);
  try {
    const rs = await w.nftA.listRuleset();
    const tx = w.nftB.transaction();
    tx.addRuleset(rs);
    await tx.commit();
  } catch (e) {
    return fail('roundTrip', expected.stdout, `recreating failed: ${(e as Error).message}`);
  }
  const got = await w.b.exec('nft', ['list', 'ruleset']);
  if (got.code !== 0 || got.stdout !== expected.stdout) return fail('roundTrip', expected.stdout + expected.stderr, got.stdout + got.stderr);
  return undefined;
}

async function runRulesets(o: Options, files: string[]): Promise<{ roundTrip: number; failures: Failure[] }> {
  let roundTrip = 0;
  const failures: Failure[] = [];
  const base = join(o.corpus, 'rulesets');
  await pool(files, o.jobs, async (): Promise<RulesetWorker> => {
    const a = await Netns.create('confa');
    const b = await Netns.create('confb');
    return { a, b, nftA: await Nftables.open({ netns: a.path }), nftB: await Nftables.open({ netns: b.path }) };
  }, async (w) => {
    await w.nftA.close();
    await w.nftB.close();
    await w.a.destroy();
    await w.b.destroy();
  }, async (w, file) => {
    const f = await runRuleset(w, file, relative(base, file));
    if (f) {
      failures.push(f);
      if (o.verbose) process.stderr.write(`FAIL ruleset ${f.id} ${f.stage}\n  got: ${f.got.slice(0, 2000)}\n`);
    } else {
      roundTrip++;
    }
  });
  failures.sort((a, b) => a.id.localeCompare(b.id));
  return { roundTrip, failures };
}

// --- main --------------------------------------------------------------------------------

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  // The corpus was recorded by nftables' own test harness, which runs nft with
  // TZ=UTC-2: `meta time "2019-07-01 00:00:01"` and `meta hour "17:00"` compile to
  // different constants in another time zone. Every nft this runner starts inherits it.
  process.env['TZ'] = o.tz;
  const started = Date.now();
  const exc = JSON.parse(readFileSync(o.exceptions, 'utf8')) as ExceptionsFile;
  const ruleExc = new Map(exc.rules.map((x) => [`${x.id}\0${x.stage}`, x.reason]));
  const rulesetExc = new Map(exc.rulesets.map((x) => [x.name, x.reason]));

  const records = o.rules ? loadCorpusRules(o.corpus).filter((r) => r.kernelAccepts && (!o.only || o.only.test(r.id))) : [];
  const files = o.rulesets ? rulesetFiles(join(o.corpus, 'rulesets')).filter((f) => !o.only || o.only.test(relative(join(o.corpus, 'rulesets'), f))) : [];

  const rules = await runRules(o, records);
  const rulesets = await runRulesets(o, files);

  let unexpected = 0;
  let excepted = 0;
  for (const f of rules.failures) {
    const reason = ruleExc.get(`${f.id}\0${f.stage}`) ?? ruleExc.get(`${f.id}\0*`);
    if (reason !== undefined) {
      f.excepted = reason;
      excepted++;
    } else {
      unexpected++;
    }
  }
  for (const f of rulesets.failures) {
    const reason = rulesetExc.get(f.id);
    if (reason !== undefined) {
      f.excepted = reason;
      excepted++;
    } else {
      unexpected++;
    }
  }
  const failedIds = new Set([...rules.failures.map((f) => `${f.id}\0${f.stage}`), ...rules.failures.map((f) => `${f.id}\0*`)]);
  const stale = [
    ...exc.rules.filter((x) => records.some((r) => r.id === x.id) && !failedIds.has(`${x.id}\0${x.stage}`)).map((x) => `${x.id} ${x.stage}`),
    ...exc.rulesets.filter((x) => files.some((f) => relative(join(o.corpus, 'rulesets'), f) === x.name) && !rulesets.failures.some((f) => f.id === x.name)).map((x) => x.name),
  ];

  const seconds = (Date.now() - started) / 1000;
  const report = {
    corpus: o.corpus,
    rules: { total: records.length, decodeMatch: rules.decodeMatch, roundTrip: rules.roundTrip, failures: rules.failures },
    rulesets: { total: files.length, roundTrip: rulesets.roundTrip, failures: rulesets.failures },
    excepted,
    unexpected,
    staleExceptions: stale,
    seconds,
    stepSeconds: Object.fromEntries(Object.entries(timings).map(([k, v]) => [k, Math.round(v) / 1000])),
  };
  if (o.report) writeFileSync(o.report, JSON.stringify(report, null, 1) + '\n');
  const ok = unexpected === 0;
  process.stdout.write(
    `conformance ${ok ? 'PASS' : 'FAIL'}: rules ${rules.decodeMatch}/${records.length} decode-match, ${rules.roundTrip}/${records.length} round-trip; `
    + `rulesets ${rulesets.roundTrip}/${files.length} round-trip; ${excepted} excepted, ${unexpected} unexpected failure${unexpected === 1 ? '' : 's'} `
    + `(${seconds.toFixed(1)} s, ${o.jobs} jobs)\n`,
  );
  if (stale.length) process.stderr.write(`exceptions that no longer fail (remove them): ${stale.join(', ')}\n`);
  return ok ? 0 : 1;
}

main().then((code) => {
  process.exitCode = code;
}, (e: unknown) => {
  process.stderr.write(`conformance runner failed: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 2;
});
