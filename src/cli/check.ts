/**
 * `polity check --data DIR`: the full check of a stopped node's block store
 * (spec/storage.md §8.3): what `polity start` checks, then every stored
 * value read back once (src/node/store-check.ts). A running node does the
 * same in the background and shows it in `GET /v1/status` (`storage`); this
 * is for an operator who wants the answer now, or before starting.
 *
 * Exit 0: intact. Exit 1: damaged, each damaged place named (a kind and a
 * height, never a key). Exit 4: another node holds the data directory, so
 * nothing was checked: not "damaged" (1), which would send an operator to
 * restore a backup, and not "no node answered" (3), the opposite of what
 * happened; a script retries once the node is stopped.
 */
import { resolve } from 'node:path';
import { checkDataDir } from '../node/store-check.js';
import { StoreInUseError } from '../storage/chain-store.js';
import type { Io } from './io.js';
import type { CliApp } from './command.js';

/** The data directory is in use by a running node: nothing was checked. */
export const EXIT_IN_USE = 4;

export async function runCheck(values: Record<string, unknown>, _positionals: string[], io: Io, app: CliApp): Promise<number> {
  const dir = values.data as string;
  let result;
  try {
    result = await checkDataDir(dir, app.services);
  } catch (e) {
    if (!(e instanceof StoreInUseError)) throw e;
    if (values.json) io.out(JSON.stringify({ ok: false, inUse: true, data: resolve(dir), message: e.message }));
    io.err(`polity check: ${e.message}`);
    return EXIT_IN_USE;
  }
  if (values.json) {
    io.out(JSON.stringify({ ok: result.ok, data: resolve(dir), height: result.height, blocks: result.blocks, entries: result.entries, bytes: result.bytes, ms: result.ms, damage: result.damage }));
    return result.ok ? 0 : 1;
  }
  const size = `${(result.bytes / 2 ** 20).toFixed(1)} MB`;
  if (result.ok) {
    io.out(`the chain store ${resolve(dir, 'chain')} is intact: height ${result.height}, ${result.blocks} blocks and ${result.entries} values (${size}) read back in ${(result.ms / 1000).toFixed(1)} s`);
    return 0;
  }
  io.out(`DAMAGED: ${result.damage.length} problem(s) found`);
  for (const d of result.damage) io.out(`  ${d}`);
  io.out('to recover: spec/storage.md §8.4 (a BFT validator moves a damaged store aside and resyncs at its next start)');
  return 1;
}
