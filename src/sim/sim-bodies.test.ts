/**
 * Proposed bodies in the simulator (spec/consensus.md §2.1): with a
 * Byzantine validator that lies in the compact form of its valid blocks (a
 * different false list to each peer, under the true header), or one that
 * forwards others' proposals and serves block requests with the body
 * edited under the true header, honest validators fetch the body again and
 * never judge such a block invalid (the `honestRejected` checker). Negative
 * controls: honest nodes that take a compact body, or judge a block by a
 * whole one, without checking it against its header are caught.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runSeeds as runMany, type SeedsOptions } from './run-seeds.js';

const runSeeds = (options: Omit<SeedsOptions, 'worker'>) => runMany({ ...options, worker: new URL('../sim-worker.js', import.meta.url) });

test('a Byzantine validator lying in its compact proposals or editing the bodies it relays: honest validators fetch the body, judge no valid block invalid, and the chain goes on', async () => {
  const summary = await runSeeds({ from: 1, count: 16, byzantine: 1, workers: 2 });
  for (const behaviour of ['lyingCompact', 'tamperingRelay']) {
    assert.ok(summary.results.some((r) => r.behaviours.some((b) => b.includes(behaviour))), `a ${behaviour} validator in some seed: ${summary.results.map((r) => r.behaviours.join(' ')).join('; ')}`);
  }
  assert.deepEqual(summary.failed.map((r) => `seed ${r.seed}: ${r.violations[0]!.checker}: ${r.violations[0]!.message}`), []);
});

for (const [control, what] of [['trustingCompact', 'compact bodies taken unchecked'], ['trustingRelays', 'whole bodies judged unchecked']] as const) {
  test(`negative control of the honestRejected checker: ${what} make honest validators reject valid blocks, in three seeds of four or more`, async () => {
    const summary = await runSeeds({ from: 1, count: 8, [control]: true, workers: 2 });
    assert.ok(summary.failed.length >= 6, `caught in ${summary.failed.length} of 8 seeds (the CLI asks three in four)`);
    for (const r of summary.failed) assert.ok(r.violations.every((v) => v.checker === 'honestRejected'), `seed ${r.seed}: ${JSON.stringify(r.violations)}`);
  });
}
