/**
 * The simulator in CI: a sample of 200 seeds with mixed faults, up to f
 * Byzantine validators and, in about a third of them, a change of the
 * validator set must show no violation; the negative control (f+1 Byzantine
 * twins) must show one in every seed, and so must a set change that nodes
 * ignore or that never gets its approvals; a seed replays exactly.
 * The full run (10,000 seeds) is `npm run simulate`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SimOptions, SimResult } from './world.js';
import { runSeeds as runMany, type SeedsOptions } from './run-seeds.js';

/** Seeds run in workers of the app-level entry, which has the chain's service list (the simulator names no service). */
const runSeeds = (options: Omit<SeedsOptions, 'worker'>) => runMany({ ...options, worker: new URL('../sim-worker.js', import.meta.url) });
const runSeed = async ({ seed, ...options }: Omit<SimOptions, 'services' | 'trace'>): Promise<SimResult> => (await runSeeds({ ...options, from: seed, count: 1, workers: 1 })).results[0]!;

test('200 seeds with faults, up to f Byzantine validators and set changes: no safety or liveness violation', async () => {
  const summary = await runSeeds({ from: 1, count: 200, workers: 2 });
  const failed = summary.failed.map((r) => `seed ${r.seed}: ${r.violations[0]!.checker}: ${r.violations[0]!.message}`);
  assert.deepEqual(failed, []);
  assert.equal(summary.seeds, 200);
  assert.ok(summary.byzantineSeeds > 50, `Byzantine validators in ${summary.byzantineSeeds} seeds`);
  assert.ok(summary.evidence > 0, 'equivocation was caught as evidence');
  assert.ok(summary.setChanges > 30, `validator-set changes in ${summary.setChanges} seeds`);
  for (const kind of ['add', 'remove', 'power']) assert.ok((summary.setChangeKinds[kind] ?? 0) > 0, `a set change of kind ${kind} (${JSON.stringify(summary.setChangeKinds)})`);
});

test('negative control: with f+1 Byzantine validators the checkers find the fork, in every seed', async () => {
  const summary = await runSeeds({ from: 1, count: 8, control: true, workers: 2 });
  assert.equal(summary.failed.length, 8);
  assert.equal(summary.setChanges, 0, 'no set change in the control');
  for (const r of summary.failed) assert.ok(r.violations.some((v) => v.checker === 'agreement'), `seed ${r.seed}`);
});

test('negative control of set changes: nodes that ignore the committed schedule are caught, in every seed', async () => {
  const summary = await runSeeds({ from: 1, count: 6, setChangeFault: 'ignoreSchedule', workers: 2 });
  assert.equal(summary.setChanges, 6);
  assert.equal(summary.failed.length, 6);
  for (const r of summary.failed) {
    assert.ok(r.violations.some((v) => v.checker === 'setChange'), `seed ${r.seed}: ${r.setChange?.detail}`);
    assert.ok(r.violations.some((v) => v.checker === 'certificate'), `seed ${r.seed}: ${r.setChange?.detail}`);
  }
});

test('negative control of set changes: a change whose approvals are never sent is reported, in every seed', async () => {
  const summary = await runSeeds({ from: 1, count: 6, setChangeFault: 'dropApprovals', workers: 2 });
  assert.equal(summary.failed.length, 6);
  for (const r of summary.failed) assert.deepEqual([...new Set(r.violations.map((v) => v.checker))], ['setChange'], `seed ${r.seed}`);
});

test('a seed replays exactly', async () => {
  const a = await runSeed({ seed: 4242 });
  const b = await runSeed({ seed: 4242 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(await runSeed({ seed: 4243 }), a); // control: another seed is another run
});

test('a seed with a set change replays exactly, and the change took effect', async () => {
  const a = await runSeed({ seed: 4242, setChange: true });
  const b = await runSeed({ seed: 4242, setChange: true });
  assert.deepEqual(a, b);
  assert.deepEqual(a.violations, []);
  assert.ok(a.setChange && a.setChange.since !== null && a.setChange.firstHeight !== null && a.setChange.firstHeight >= a.setChange.since, JSON.stringify(a.setChange));
});

test('seeds that once found bugs in the node’s host run clean', async () => {
  // 892: a restarted validator never re-sent its earlier rounds' prevotes (liveness);
  // 459: an engine stepped in the middle of a step committed, then was asked to build on that head.
  for (const seed of [892, 459]) assert.deepEqual((await runSeed({ seed })).violations, [], `seed ${seed}`);
});
