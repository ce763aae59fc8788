/**
 * The simulator's timing paths (no empty blocks): seeds with an idle period,
 * bursts and heartbeats run clean, and the `idle` checker has a negative
 * control that fires in every seed — engines that decide a block at every
 * height, empty or not, as the paper does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSeeds as runMany, type SeedsOptions } from './run-seeds.js';

const runSeeds = (options: Omit<SeedsOptions, 'worker'>) => runMany({ ...options, worker: new URL('../sim-worker.js', import.meta.url) });

test('seeds with an idle period (and bursts, heartbeats, both timeout profiles): no violation; idle periods are quiet', async () => {
  const summary = await runSeeds({ from: 5000, count: 40, idle: true, workers: 2 });
  const failed = summary.failed.map((r) => `seed ${r.seed}: ${r.violations[0]!.checker}: ${r.violations[0]!.message}`);
  assert.deepEqual(failed, []);
  assert.equal(summary.idleSeeds, 40);
  assert.ok(summary.heartbeatSeeds > 0 && summary.burstSeeds > 0, `heartbeats in ${summary.heartbeatSeeds} seeds, bursts in ${summary.burstSeeds}`);
  const profiles = new Set(summary.results.map((r) => r.timing.profile));
  assert.deepEqual([...profiles].sort(), ['lan', 'wan']);
  const quiet = summary.results.filter((r) => r.timing.heartbeatMs === 0 && r.byzantine === 0);
  assert.ok(quiet.length > 0);
  for (const r of quiet) assert.equal(r.timing.idle!.emptyBlocks, 0, `seed ${r.seed}: no empty block while idle without a heartbeat`);
  const beating = summary.results.filter((r) => r.timing.heartbeatMs > 0);
  assert.ok(beating.some((r) => r.timing.idle!.emptyBlocks > 0), 'heartbeats cut empty blocks while idle');
});

test('negative control of the idle checker: engines that cut empty blocks are caught, in every seed', async () => {
  const summary = await runSeeds({ from: 1, count: 8, emptyBlocks: true, workers: 2 });
  assert.equal(summary.failed.length, 8);
  for (const r of summary.failed) assert.ok(r.violations.some((v) => v.checker === 'idle'), `seed ${r.seed}: ${JSON.stringify(r.violations)}`);
});

test('negative control of the blockTime checker: proposers that never make a catch-up block are caught, in every seed', async () => {
  const summary = await runSeeds({ from: 1, count: 8, staleBlocks: true, workers: 2 });
  assert.equal(summary.failed.length, 8);
  for (const r of summary.failed) assert.ok(r.violations.some((v) => v.checker === 'blockTime'), `seed ${r.seed}: ${JSON.stringify(r.violations)}`);
});
