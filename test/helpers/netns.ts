// Throwaway network namespaces for kernel tests: created with `ip netns add`,
// removed afterwards (and on exit, should a test forget). Nothing here ever
// touches the machine's own namespace.

import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

let counter = 0;
const live = new Set<string>();

function cleanupAll(): void {
  for (const name of live) spawnSync('ip', ['netns', 'del', name], { stdio: 'ignore', timeout: 10_000 });
  live.clear();
}
process.on('exit', cleanupAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    cleanupAll();
    process.exit(130);
  });
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a command with a timeout; never throws for a non-zero exit. */
export function run(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: opts.timeoutMs ?? 60_000, maxBuffer: 512 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? ((err as unknown as { code: number }).code) : 1) : 0;
      resolve({ stdout: String(stdout), stderr: String(stderr), code });
    });
    if (opts.input !== undefined) {
      child.stdin?.end(opts.input);
    }
  });
}

export class Netns {
  readonly name: string;
  readonly path: string;

  private constructor(name: string) {
    this.name = name;
    this.path = `/var/run/netns/${name}`;
  }

  static async create(tag = 't'): Promise<Netns> {
    const name = `nftlink-${tag}-${process.pid}-${counter++}`;
    const r = await run('ip', ['netns', 'add', name], { timeoutMs: 10_000 });
    if (r.code !== 0) throw new Error(`ip netns add ${name} failed: ${r.stderr}`);
    live.add(name);
    const ns = new Netns(name);
    await ns.exec('ip', ['link', 'set', 'lo', 'up']);
    return ns;
  }

  /** Runs a command inside the namespace. */
  exec(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return run('ip', ['netns', 'exec', this.name, cmd, ...args], opts);
  }

  /** Runs nft in the namespace; throws with nft's stderr when it fails. */
  async nft(args: string | string[], input?: string): Promise<string> {
    const argv = typeof args === 'string' ? args.split(' ') : args;
    const r = await this.exec('nft', argv, input !== undefined ? { input } : {});
    if (r.code !== 0) throw new Error(`nft ${argv.join(' ')} failed (${r.code}): ${r.stderr.trim()}`);
    return r.stdout;
  }

  /** Loads a ruleset file text with `nft -f -`. */
  nftFile(text: string): Promise<string> {
    return this.nft(['-f', '-'], text);
  }

  listRuleset(): Promise<string> {
    return this.nft(['list', 'ruleset']);
  }

  async destroy(): Promise<void> {
    if (!live.has(this.name)) return;
    await run('ip', ['netns', 'del', this.name], { timeoutMs: 10_000 });
    live.delete(this.name);
  }

  get exists(): boolean {
    return existsSync(this.path);
  }
}

/** Runs fn with a fresh namespace and always removes it. */
export async function withNetns<T>(fn: (ns: Netns) => Promise<T>, tag?: string): Promise<T> {
  const ns = await Netns.create(tag);
  try {
    return await fn(ns);
  } finally {
    await ns.destroy();
  }
}
