/**
 * `polity simulate`: the deterministic consensus simulator
 * (spec/consensus.md §12). Runs seeded networks with faults and Byzantine
 * validators and checks agreement, validity, state roots and liveness. A
 * failing seed is printed with the command that replays it exactly.
 *
 *   polity simulate --seeds 10000              many seeds (exit 1 on any violation)
 *   polity simulate --seed 42 --trace          one seed, every commit and fault
 *   polity simulate --control --seeds 20       f+1 Byzantine twins: the checkers must
 *                                              find a violation in every seed (exit 1 if not)
 *   polity simulate --empty-blocks --seeds 20  engines that decide empty blocks, and an idle
 *                                              period in every seed: the idle checker must fire
 *   polity simulate --stale-blocks --seeds 20  proposers that never make a catch-up block, and
 *                                              an idle period past its bound in every seed: the
 *                                              blockTime checker must fire
 *   polity simulate --trusting-compact --seeds 20
 *                                              a validator that lies in its compact proposals,
 *                                              honest ones that do not check them: the
 *                                              honestRejected checker must fire in 3 seeds of 4
 *   polity simulate --trusting-relays --seeds 20
 *                                              a validator that edits the bodies it relays and
 *                                              serves, honest ones that judge blocks by them
 *                                              unchecked: honestRejected must fire in 3 seeds of 4
 *   polity simulate --untimely --seeds 20      as --stale-blocks, with validators that prevote
 *                                              stale proposals: the backdated checker fires
 *                                              (or blockTime, where re-sent transactions kept
 *                                              the chain from idling long enough: 2 of 200)
 */
import { runSeeds } from '../sim/run-seeds.js';
import { UsageError, progressBar, type Io } from './io.js';

function int(values: Record<string, unknown>, name: string, min: number, max: number): number | undefined {
  const raw = values[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`--${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  return n;
}

/** `seedWorker`: the seed worker entry, an app-level module with the service list (src/sim-worker.ts), from the program (src/main.ts). */
export async function runSimulate(values: Record<string, unknown>, _positionals: string[], io: Io, seedWorker: URL): Promise<number> {
  const seed = int(values, 'seed', 0, 2 ** 32 - 1);
  const seeds = int(values, 'seeds', 1, 10_000_000);
  const from = int(values, 'from', 0, 2 ** 32 - 1) ?? 1;
  const validators = int(values, 'validators', 1, 64);
  const byzantine = int(values, 'byzantine', 0, 64);
  const workers = int(values, 'workers', 1, 64);
  // --empty-blocks: the negative control of the idle checker (engines decide empty blocks; an idle period in every seed).
  const emptyBlocks = values['empty-blocks'] === true;
  // --stale-blocks: the negative control of the blockTime checker (no catch-up blocks; an idle period past their bound in every seed).
  const staleBlocks = values['stale-blocks'] === true;
  // --trusting-compact: the negative control of the honestRejected checker (a Byzantine validator lies in its compact proposals; honest nodes do not check them).
  const trustingCompact = values['trusting-compact'] === true;
  // --trusting-relays: the same for whole bodies (a Byzantine validator edits the bodies it relays and serves; honest nodes judge blocks by them unchecked).
  const trustingRelays = values['trusting-relays'] === true;
  // --untimely: the negative control of the backdated checker (as --stale-blocks, and validators prevote stale proposals).
  const untimely = values.untimely === true;
  if ([values.control === true, emptyBlocks, staleBlocks, trustingCompact, trustingRelays, untimely].filter(Boolean).length > 1) {
    throw new UsageError('give one of --control, --empty-blocks, --stale-blocks, --trusting-compact, --trusting-relays and --untimely');
  }
  const control = values.control === true || emptyBlocks || staleBlocks || trustingCompact || trustingRelays || untimely;
  if (seed !== undefined && seeds !== undefined) throw new UsageError('give --seed S (one seed) or --seeds N (many), not both');
  const sim = { ...(validators !== undefined ? { validators } : {}), ...(byzantine !== undefined ? { byzantine } : {}), control: values.control === true, ...(emptyBlocks ? { emptyBlocks } : {}), ...(staleBlocks ? { staleBlocks } : {}), ...(trustingCompact ? { trustingCompact } : {}), ...(trustingRelays ? { trustingRelays } : {}), ...(untimely ? { untimely } : {}) };

  if (seed !== undefined) {
    const { results } = await runSeeds({ ...sim, from: seed, count: 1, workers: 1, worker: seedWorker, ...(values.trace ? { trace: (line: string) => io.out(`  ${line}`) } : {}) });
    const r = results[0]!;
    if (values.json) io.out(JSON.stringify(r));
    else {
      io.out(`seed ${r.seed}: ${r.validators} validators, ${r.byzantine} Byzantine ${r.behaviours.length ? `(${r.behaviours.join(', ')})` : ''}`);
      io.out(`faults: ${r.faults.join('; ')}`);
      io.out(`honest nodes reached height ${r.height}; ${r.commits} commits, ${r.messages} messages, ${r.evidence} pieces of evidence, ${r.virtualMs} ms simulated`);
      for (const v of r.violations) io.out(`VIOLATION ${v.checker}: ${v.message}`);
      if (r.violations.length === 0) io.out('no violation');
    }
    return control ? (r.violations.length > 0 ? 0 : 1) : r.violations.length > 0 ? 1 : 0;
  }

  const count = seeds ?? 100;
  let done = 0;
  const summary = await runSeeds({
    ...sim,
    from,
    count,
    worker: seedWorker,
    ...(workers !== undefined ? { workers } : {}),
    onResult: () => {
      done++;
      if (done % 25 === 0 || done === count) io.progress(progressBar(done, count, 'seeds'));
    },
  });
  io.progress('');
  const caught = summary.failed.length;
  if (values.json) {
    io.out(JSON.stringify({ ...summary, failed: summary.failed.map((r) => ({ seed: r.seed, violations: r.violations })) }));
  } else {
    io.out(`${summary.seeds} seeds (${from}..${from + count - 1}) in ${(summary.ms / 1000).toFixed(1)} s: ${summary.byzantineSeeds} with Byzantine validators, ${summary.setChanges} with validator-set changes, ${summary.idleSeeds} with idle periods, ${summary.heartbeatSeeds} with heartbeats, ${summary.burstSeeds} with bursts, ${summary.commits} commits, ${summary.evidence} pieces of evidence, ${summary.staleRefused} stale proposals refused`);
    if (untimely) io.out(`negative control (stale proposals prevoted, no catch-up block after idle periods): the checkers found a violation in ${caught} of ${summary.seeds} seeds ${JSON.stringify(summary.byChecker)}`);
    else if (trustingRelays) io.out(`negative control (whole bodies taken unchecked): the checkers found a violation in ${caught} of ${summary.seeds} seeds ${JSON.stringify(summary.byChecker)}`);
    else if (trustingCompact) io.out(`negative control (compact proposals taken unchecked): the checkers found a violation in ${caught} of ${summary.seeds} seeds ${JSON.stringify(summary.byChecker)}`);
    else if (staleBlocks) io.out(`negative control (no catch-up block after idle periods): the checkers found a violation in ${caught} of ${summary.seeds} seeds ${JSON.stringify(summary.byChecker)}`);
    else if (emptyBlocks) io.out(`negative control (empty blocks while idle): the checkers found a violation in ${caught} of ${summary.seeds} seeds ${JSON.stringify(summary.byChecker)}`);
    else if (control) io.out(`negative control (f+1 Byzantine twins): the checkers found a violation in ${caught} of ${summary.seeds} seeds ${JSON.stringify(summary.byChecker)}`);
    else io.out(`violations: ${caught === 0 ? 'none' : `${caught} seeds ${JSON.stringify(summary.byChecker)}`}`);
    for (const r of summary.failed.slice(0, control ? 0 : 20)) {
      io.out(`  seed ${r.seed}: ${r.violations[0]!.checker}: ${r.violations[0]!.message}`);
      io.out(`    replay: polity simulate --seed ${r.seed} --trace${validators !== undefined ? ` --validators ${validators}` : ''}${byzantine !== undefined ? ` --byzantine ${byzantine}` : ''}`);
    }
  }
  // The compact control cannot fire in a seed whose liar proposed no block it could falsify with known transactions
  // only (a short run, a liar crashed or cut off), nor the relays' control in one whose edited copies all came
  // after the true ones: each passes when three seeds in four or more are caught.
  const needed = trustingCompact || trustingRelays ? Math.ceil((summary.seeds * 3) / 4) : summary.seeds;
  return control ? (caught >= needed ? 0 : 1) : caught === 0 ? 0 : 1;
}
