// Runs the nftlink command as a user would: a child process of node on the
// compiled entry point, with a timeout.

import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** dist/src/cli/main.js, next to this compiled helper (dist/test/helpers). */
export const CLI = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

export interface CliResult {
  stdout: string;
  stderr: string;
  code: number;
}

export function nftlink(args: string[], opts: { input?: string | Buffer; timeoutMs?: number; env?: Record<string, string> } = {}): Promise<CliResult> {
  return new Promise((done) => {
    const child = execFile(process.execPath, [CLI, ...args], {
      timeout: opts.timeoutMs ?? 20_000,
      maxBuffer: 64 << 20,
      env: { ...process.env, ...opts.env },
      encoding: 'buffer',
    }, (err, stdout, stderr) => {
      const e = err as (NodeJS.ErrnoException & { code?: number | string }) | null;
      done({ stdout: stdout.toString(), stderr: stderr.toString(), code: e ? (typeof e.code === 'number' ? e.code : 1) : 0 });
    });
    if (opts.input !== undefined) child.stdin!.end(opts.input);
    else child.stdin!.end();
  });
}

/** The error contract: one line on stderr, `nftlink: …`, no stack trace, non-zero status. */
export function isCleanError(r: CliResult): boolean {
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  return r.code !== 0 && lines.length === 1 && lines[0]!.startsWith('nftlink: ') && !/\n\s+at /.test(r.stderr);
}
