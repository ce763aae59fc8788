/**
 * The simulator in CI: a sample of 200 seeds with mixed faults and up to f
 * Byzantine validators must show no violation; the negative control (f+1
 * Byzantine twins) must show one in every seed; a seed replays exactly.
 * The full run (10,000 seeds) is `npm run simulate`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSeed } from './world.js';
import { runSeeds } from './run-seeds.js';

test('200 seeds with faults and up to f Byzantine validators: no safety or liveness violation', async () => {
  const summary = await runSeeds({ from: 1, count: 200, workers: 2 });
  const failed = summary.failed.map((r) => `seed ${r.seed}: ${r.violations[0]!.checker}: ${r.violations[0]!.message}`);
  assert.deepEqual(failed, []);
  assert.equal(summary.seeds, 200);
  assert.ok(summary.byzantineSeeds > 50, `Byzantine validators in ${summary.byzantineSeeds} seeds`);
  assert.ok(summary.evidence > 0, 'equivocation was caught as evidence');
});

test('negative control: with f+1 Byzantine validators the checkers find the fork, in every seed', async () => {
  const summary = await runSeeds({ from: 1, count: 8, control: true, workers: 2 });
  assert.equal(summary.failed.length, 8);
  for (const r of summary.failed) assert.ok(r.violations.some((v) => v.checker === 'agreement'), `seed ${r.seed}`);
});

test('a seed replays exactly', () => {
  const a = runSeed({ seed: 4242 });
  const b = runSeed({ seed: 4242 });
  assert.deepEqual(a, b);
  assert.notDeepEqual(runSeed({ seed: 4243 }), a); // control: another seed is another run
});
