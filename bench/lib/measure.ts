// Running the two sides of a benchmark as child processes under
// /usr/bin/time, so that wall time, CPU time and peak RSS come from the same
// place for nft and for nftlink.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Task, TaskResult } from './tasks.js';

const TIME_FORMAT = '@@time %e %U %S %M';

export interface Rusage {
  wallS: number;
  userS: number;
  sysS: number;
  maxRssKB: number;
}

function parseTime(stderr: string): Rusage | undefined {
  const m = /@@time ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
  if (!m) return undefined;
  return { wallS: Number(m[1]), userS: Number(m[2]), sysS: Number(m[3]), maxRssKB: Number(m[4]) };
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  usage: Rusage;
}

/** Runs a command in a network namespace under /usr/bin/time (nsenter execs it, so the usage is the command's). */
export function timedExec(netns: string, argv: string[], opts: { input?: string; timeoutMs?: number; keepStdout?: boolean } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('/usr/bin/time', ['-f', TIME_FORMAT, 'nsenter', `--net=${netns}`, ...argv], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stdoutBytes = 0;
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 600_000);
    child.stdout.on('data', (d: Buffer) => {
      stdoutBytes += d.length;
      // Listings are large and only their size matters here.
      if (opts.keepStdout) stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - t0;
      const usage = parseTime(stderr);
      if (!usage) {
        reject(new Error(`no resource usage from /usr/bin/time for ${argv.join(' ')}: ${stderr.slice(-500)}`));
        return;
      }
      // /usr/bin/time reports wall time in 10 ms steps: take the parent's clock
      // (it includes starting the process, which is part of shelling out).
      usage.wallS = wallMs / 1000;
      resolve({ code: code ?? -1, stdout: opts.keepStdout ? stdout : `${stdoutBytes} bytes`, stderr: stderr.replace(/@@time.*\n?/, ''), usage });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}

/** Runs nft with a ruleset file in a namespace; throws on failure. */
export async function nftFile(netns: string, text: string): Promise<Rusage> {
  const dir = mkdtempSync(join(tmpdir(), 'nftlink-bench-'));
  const file = join(dir, 'ruleset.nft');
  try {
    writeFileSync(file, text);
    const r = await timedExec(netns, ['nft', '-f', file]);
    if (r.code !== 0) throw new Error(`nft -f failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
    return r.usage;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one nft command (argv) in a namespace; throws on failure. */
export async function nftCommand(netns: string, args: string[], opts: { keepStdout?: boolean } = {}): Promise<ExecResult> {
  const r = await timedExec(netns, ['nft', ...args], opts);
  if (r.code !== 0) throw new Error(`nft ${args.join(' ').slice(0, 200)} failed (${r.code}): ${r.stderr.slice(0, 2000)}`);
  return r;
}

const CHILD = fileURLToPath(new URL('../child.js', import.meta.url));

/** The nftlink side: a long-lived child process taking tasks, under /usr/bin/time. */
export class NftlinkChild {
  private readonly proc: ChildProcessWithoutNullStreams;
  private buffer = '';
  private stderr = '';
  private waiting: { resolve: (r: TaskResult) => void; reject: (e: Error) => void } | undefined;
  private readonly exited: Promise<Rusage | undefined>;

  constructor(nodeFlags: string[] = []) {
    this.proc = spawn('/usr/bin/time', ['-f', TIME_FORMAT, process.execPath, '--expose-gc', ...nodeFlags, CHILD], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.proc.stdout.on('data', (d: Buffer) => {
      this.buffer += d.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const w = this.waiting;
        this.waiting = undefined;
        if (!w) continue;
        try {
          w.resolve(JSON.parse(line) as TaskResult);
        } catch (e) {
          w.reject(new Error(`bad reply from the nftlink child: ${line.slice(0, 200)}`));
        }
      }
    });
    this.proc.stderr.on('data', (d: Buffer) => {
      this.stderr += d.toString();
    });
    this.exited = new Promise((resolve) => {
      this.proc.on('close', () => {
        this.waiting?.reject(new Error(`the nftlink child exited: ${this.stderr.slice(-2000)}`));
        this.waiting = undefined;
        resolve(parseTime(this.stderr));
      });
    });
  }

  /** Runs a task; throws when the child reports a failure. */
  run(t: Task): Promise<TaskResult> {
    if (this.waiting) throw new Error('one task at a time');
    return new Promise<TaskResult>((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.proc.stdin.write(JSON.stringify(t) + '\n');
    }).then((r) => {
      if (!r.ok) throw new Error(`nftlink child: ${r.error}`);
      return r;
    });
  }

  /** Ends the child; returns its whole-life resource usage. */
  async close(): Promise<Rusage | undefined> {
    if (this.proc.exitCode === null) {
      try {
        await this.run({ kind: 'exit' });
      } catch {
        // already gone
      }
      this.proc.stdin.end();
    }
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    const u = await this.exited;
    clearTimeout(timer);
    return u;
  }

  kill(): void {
    this.proc.kill('SIGKILL');
  }
}
