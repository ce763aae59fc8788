import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStallWatch, quorumOf, type HealthInputs } from './stall-watch.js';
import type { Logger } from './log.js';

const key = (c: string): string => c.repeat(64);
const VALIDATORS = [
  { name: 'Civil Registry', pubKey: key('a'), power: 1 },
  { name: 'Tax Office', pubKey: key('b'), power: 1 },
  { name: 'Health Department', pubKey: key('c'), power: 1 },
  { name: 'Land Registry', pubKey: key('d'), power: 1 },
];

function recorder(): { log: Logger; lines: { level: string; event: string; fields: Record<string, unknown> }[] } {
  const lines: { level: string; event: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (event: string, fields: Record<string, unknown> = {}) => void lines.push({ level, event, fields });
  return { lines, log: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

const bft = (over: Partial<HealthInputs>): HealthInputs => ({
  nowMs: 0,
  consensus: 'bft',
  height: 1,
  pendingWork: 0,
  validators: VALIDATORS,
  selfKey: key('a'),
  connected: [key('b'), key('c'), key('d')],
  highestPeerHeight: 1,
  storage: { state: 'ok' },
  storageWritable: true,
  ...over,
});

test('a node that starts without its peers is awaiting quorum (info), not losing it; losing it later is a warning', () => {
  const { log, lines } = recorder();
  const watch = createStallWatch(0, log);
  watch.check(bft({ connected: [] }));
  watch.check(bft({ nowMs: 500 }));
  watch.check(bft({ nowMs: 600, connected: [key('b')] }));
  assert.deepEqual(lines.map((l) => `${l.level} ${l.event}`), ['info consensus.awaitingQuorum', 'info consensus.quorumRegained', 'warn consensus.quorumLost']);
});

test('quorum: more than two thirds of the power heard, itself included', () => {
  assert.equal(quorumOf(bft({ connected: [key('b'), key('c')] })).ok, true, '3 of 4');
  const two = quorumOf(bft({ connected: [key('b')] }));
  assert.equal(two.ok, false, '2 of 4 is not more than two thirds');
  assert.deepEqual([two.heardPower, two.totalPower], [2, 4]);
  assert.deepEqual(two.heardFrom, ['Civil Registry (aaaaaaaa)', 'Tax Office (bbbbbbbb)']);
  // An observer (not in the set) counts only its peers.
  assert.equal(quorumOf(bft({ selfKey: key('e'), connected: [key('b'), key('c')] })).ok, false);
  assert.equal(quorumOf(bft({ selfKey: key('e'), connected: [key('b'), key('c'), key('d')] })).ok, true);
  // Weighted: one validator with 3 of 5 power is not a quorum alone (3*3 = 9 < 10).
  const weighted = [{ name: 'Big', pubKey: key('a'), power: 3 }, { name: 'Small', pubKey: key('b'), power: 2 }];
  assert.equal(quorumOf(bft({ validators: weighted, connected: [] })).ok, false);
  assert.equal(quorumOf({ consensus: 'solo', validators: [VALIDATORS[0]!], selfKey: key('a'), connected: [] }).ok, true);
});

test('BFT: no block for longer than stallAfterMs is a stall, logged once with whom it hears from, then repeated; a block ends it', () => {
  const { log, lines } = recorder();
  const watch = createStallWatch(0, log, { stallAfterMs: 10_000, repeatEveryMs: 60_000 });
  assert.equal(watch.check(bft({ nowMs: 0, height: 1 })).ready, true);
  assert.equal(watch.check(bft({ nowMs: 10_000, height: 1 })).ready, true, 'exactly stallAfterMs is not yet a stall');
  const h = watch.check(bft({ nowMs: 10_001, height: 1, connected: [key('b')] }));
  assert.equal(h.ready, false);
  assert.deepEqual(h.reasons.map((r) => r.code), ['NO_QUORUM', 'STALLED']);
  assert.deepEqual(lines.map((l) => `${l.level} ${l.event}`), ['warn consensus.quorumLost', 'warn node.stalled']);
  assert.equal(lines[1]!.fields.heardFrom, 'Civil Registry (aaaaaaaa), Tax Office (bbbbbbbb)');
  assert.equal(lines[1]!.fields.missing, 'Health Department (cccccccc), Land Registry (dddddddd)');
  watch.check(bft({ nowMs: 30_000, height: 1, connected: [key('b')] }));
  assert.equal(lines.length, 2, 'not repeated before repeatEveryMs');
  watch.check(bft({ nowMs: 70_001, height: 1, connected: [key('b')] }));
  assert.equal(lines.length, 3, 'repeated after repeatEveryMs');
  const back = watch.check(bft({ nowMs: 71_000, height: 2 }));
  assert.equal(back.ready, true);
  assert.deepEqual(lines.slice(3).map((l) => `${l.level} ${l.event}`), ['info consensus.quorumRegained', 'info node.resumed']);
});

test('solo: an idle chain without blocks is not stalled; work waiting longer than stallAfterMs is', () => {
  const { log, lines } = recorder();
  const watch = createStallWatch(0, log, { stallAfterMs: 10_000 });
  const solo = (over: Partial<HealthInputs>): HealthInputs => bft({ consensus: 'solo', validators: [VALIDATORS[0]!], connected: [], ...over });
  assert.equal(watch.check(solo({ nowMs: 0 })).ready, true);
  assert.equal(watch.check(solo({ nowMs: 3_600_000 })).ready, true, 'an hour idle');
  assert.equal(watch.check(solo({ nowMs: 3_600_001, pendingWork: 5 })).ready, true, 'work just arrived');
  assert.equal(watch.check(solo({ nowMs: 3_610_001, pendingWork: 5 })).ready, true);
  const stalled = watch.check(solo({ nowMs: 3_610_002, pendingWork: 5 }));
  assert.deepEqual(stalled.reasons.map((r) => r.code), ['STALLED']);
  assert.match(stalled.reasons[0]!.message, /while 5 transactions wait/);
  assert.deepEqual(lines.map((l) => l.event), ['node.stalled']);
});

test('not ready while catching up, with storage damaged or not writable, or after a failure; each named', () => {
  const watch = createStallWatch(0, recorder().log);
  const h = watch.check(bft({ highestPeerHeight: 9, storage: { state: 'damaged', detail: 'the chain store x is damaged: block 3' }, storageWritable: false, failure: 'disk full' }));
  assert.deepEqual(h.reasons.map((r) => r.code), ['STOPPED', 'STORAGE_DAMAGED', 'STORAGE_NOT_WRITABLE', 'CATCHING_UP']);
  assert.equal(watch.check(bft({ highestPeerHeight: 2 })).ready, true, 'a peer one height ahead is deciding the next block, not ahead');
});

test('BFT without empty blocks: an idle chain with quorum is not stalled; work waiting, or no quorum, longer than stallAfterMs is', () => {
  const { log, lines } = recorder();
  const watch = createStallWatch(0, log, { stallAfterMs: 10_000 });
  assert.equal(watch.check(bft({ nowMs: 0 })).ready, true);
  assert.equal(watch.check(bft({ nowMs: 3_600_000 })).ready, true, 'an hour idle with quorum');
  assert.equal(watch.check(bft({ nowMs: 3_600_001, pendingWork: 3 })).ready, true, 'work just arrived');
  const stalled = watch.check(bft({ nowMs: 3_610_002, pendingWork: 3 }));
  assert.deepEqual(stalled.reasons.map((r) => r.code), ['STALLED']);
  assert.match(stalled.reasons[0]!.message, /while 3 transactions wait/);
  assert.equal(watch.check(bft({ nowMs: 3_610_003, height: 2 })).ready, true, 'a block ends it');
  assert.deepEqual(watch.check(bft({ nowMs: 3_613_000, height: 2, connected: [key('b')] })).reasons.map((r) => r.code), ['NO_QUORUM'], 'quorum lost 3 s after a block');
  const noQuorum = watch.check(bft({ nowMs: 3_623_004, height: 2, connected: [key('b')] }));
  assert.deepEqual(noQuorum.reasons.map((r) => r.code), ['NO_QUORUM', 'STALLED'], 'no quorum and no block for stallAfterMs is a stall even with nothing waiting');
  assert.deepEqual(lines.map((l) => l.event), ['node.stalled', 'node.resumed', 'consensus.quorumLost', 'node.stalled']);
});
