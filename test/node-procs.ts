/**
 * Real `polity start` processes for the end-to-end tests of a BFT network on
 * loopback (test/bft, notary-bft, invoices-bft, observe-bft): each node's
 * output kept for the test to read, every process killed when the test file
 * ends, whatever it left running, and a poll for a condition with a deadline.
 * (The data-sharing tests have a richer harness of their own: sharing-net.ts.)
 */
import { after } from 'node:test';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Io } from '../src/cli/io.js';

/** The CLI, as an operator runs it. */
export const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));
/** CLI output the tests do not read. */
export const quietIo: Io = { out: () => {}, err: () => {}, progress: () => {}, isTty: false };

/** One department's node: its data directory, its API's URL, what it printed (every start), its process while running. */
export interface Dept {
  name: string;
  dir: string;
  api: string;
  log: string[];
  proc?: ChildProcess;
}

const children = new Set<ChildProcess>();
after(() => signalAll('SIGKILL'));

/** Start `polity start --data d.dir --log-level info`, and `extraArgs`. */
export function startNode(d: Dept, extraArgs: readonly string[] = []): void {
  const proc = spawn(process.execPath, [BIN, 'start', '--data', d.dir, '--log-level', 'info', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] });
  proc.stdout!.on('data', (b: Buffer) => d.log.push(b.toString()));
  proc.stderr!.on('data', (b: Buffer) => d.log.push(b.toString()));
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  d.proc = proc;
}

/** Kill a node (SIGKILL: a crash) and wait until its process is gone. */
export async function stopNode(d: Dept): Promise<void> {
  const proc = d.proc!;
  if (proc.exitCode !== null) return;
  const exited = new Promise((r) => proc.once('exit', r));
  proc.kill('SIGKILL');
  await exited;
}

/** Send `signal` to every node process still running. */
export function signalAll(signal: NodeJS.Signals): void {
  for (const c of children) if (c.exitCode === null) c.kill(signal);
}

/** Poll `check` every 100 ms until it holds; throw after `timeoutMs`, naming `what`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
