/**
 * The Tendermint engine in isolation: a hand-driven network of engines with
 * real signatures, checking the paper's rules one at a time — commit and
 * certificate, proposer rotation by power, locking (L22), evidence of
 * equivocation, no second signature after a restart, BFT time — each with a
 * negative control where one makes sense. The many-seed fault runs are in
 * src/sim/sim.test.ts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toHex, utf8Encode } from '../crypto/bytes.js';
import { publicKeyOf, signBytes, verifyBytes } from '../crypto/ed25519.js';
import { sha256 } from '../crypto/sha256.js';
import type { Validator } from '../ledger/genesis.js';
import { proposerIndexAtStep, proposerOf } from '../ledger/proposer.js';
import { checkEvidence, proposalSignBytes, voteSignBytes, weightedMedianTime, type ConsensusMessage, type Vote } from '../ledger/votes.js';
import { verifyCertificate } from '../ledger/sign.js';
import { createTendermintEngine, type TendermintEngine } from './tendermint.js';
import type { EngineEffect, EngineInput } from './interface.js';

const CHAIN = 'polity-test';
const T0 = 1_800_000_000_000;

function keys(n: number, tag = 'k'): { secretKey: string; pubKey: string }[] {
  return Array.from({ length: n }, (_, i) => {
    const secretKey = toHex(sha256(utf8Encode(`tendermint-test/${tag}/${i}`)));
    return { secretKey, pubKey: publicKeyOf(secretKey) };
  });
}

function engineFor(k: { secretKey: string; pubKey: string }, validators: Validator[], staleProposalMs?: number): TendermintEngine {
  return createTendermintEngine({
    chainId: CHAIN,
    validators,
    selfPubKey: k.pubKey,
    sign: (m) => signBytes(k.secretKey, m),
    verify: (p, m, s) => verifyBytes(p, m, s),
    ...(staleProposalMs !== undefined ? { staleProposalMs } : {}),
  });
}

const blockHashFor = (h: number, r: number, who: string): string => toHex(sha256(utf8Encode(`block ${h} ${r} ${who}`)));

/**
 * A perfect, synchronous network of engines: every broadcast reaches every
 * other engine, every proposal is valid, timers fire in order of deadline.
 */
function runNetwork(n: number, heights: number, powers?: number[]) {
  const ks = keys(n);
  const validators: Validator[] = ks.map((k, i) => ({ name: `v${i}`, pubKey: k.pubKey, power: powers?.[i] ?? 10 }));
  const engines = ks.map((k) => engineFor(k, validators));
  const commits: { node: number; height: number; blockHash: string; certificate: any }[] = [];
  const queue: { node: number; input: EngineInput }[] = [];
  const timers: { node: number; at: number; input: EngineInput }[] = [];
  let now = T0;
  const handle = (node: number, effects: EngineEffect[]): void => {
    for (const e of effects) {
      if (e.type === 'broadcast') for (let j = 0; j < n; j++) if (j !== node) queue.push({ node: j, input: { type: 'peerMessage', nowMs: now, from: ks[node]!.pubKey, message: e.message } });
      if (e.type === 'buildProposal') {
        const hash = blockHashFor(e.height, e.round, ks[node]!.pubKey);
        queue.push({ node, input: { type: 'proposalBuilt', nowMs: now, height: e.height, round: e.round, proposal: { hash, header: { time: e.timeMs } as never } } });
      }
      if (e.type === 'validateProposal') queue.push({ node, input: { type: 'proposalValidated', nowMs: now, height: e.height, round: e.round, blockHash: e.blockHash, valid: true, timeMs: now, txCount: 0 } });
      if (e.type === 'setTimer') timers.push({ node, at: now + e.delayMs, input: { type: 'timeout', nowMs: 0, timer: e.timer, height: e.height, round: e.round, pendingTxs: 0 } });
      if (e.type === 'commit') commits.push({ node, height: e.height, blockHash: e.blockHash, certificate: e.certificate });
    }
  };
  engines.forEach((e, i) => handle(i, e.step({ type: 'start', nowMs: now, height: 1, lastBlockTimeMs: T0 - 1, pendingTxs: 0 })));
  for (let guard = 0; guard < 100_000; guard++) {
    if (engines.every((e) => e.height > heights)) break;
    const next = queue.shift();
    if (next) {
      handle(next.node, engines[next.node]!.step({ ...next.input, nowMs: now } as EngineInput));
      continue;
    }
    timers.sort((a, b) => a.at - b.at);
    const t = timers.shift();
    if (!t) break;
    now = t.at;
    handle(t.node, engines[t.node]!.step({ ...t.input, nowMs: now } as EngineInput));
  }
  return { commits, validators, engines };
}

test('four engines on a perfect network commit every height with a valid certificate, in round 0', () => {
  const { commits, validators } = runNetwork(4, 5);
  for (let h = 1; h <= 5; h++) {
    const at = commits.filter((c) => c.height === h);
    assert.equal(at.length, 4, `height ${h} committed by all`);
    assert.equal(new Set(at.map((c) => c.blockHash)).size, 1, 'one block per height');
    assert.equal(at[0]!.certificate.round, 0);
    assert.equal(verifyCertificate(CHAIN, at[0]!.certificate, validators).ok, true);
    // The proposer of (h, 0) built it.
    assert.equal(at[0]!.blockHash, blockHashFor(h, 0, proposerOf(validators, 1, h, 0).pubKey));
  }
  // Negative control: a certificate with one signature removed is short of +2/3.
  const c = commits[0]!.certificate;
  const short = { ...c, signatures: c.signatures.slice(0, 2) };
  assert.equal(verifyCertificate(CHAIN, short, validators).ok, false);
});

test('proposer rotation is weighted by power and identical on every call', () => {
  const validators: Validator[] = keys(3).map((k, i) => ({ name: `v${i}`, pubKey: k.pubKey, power: [1, 2, 5][i]! }));
  const counts = [0, 0, 0];
  for (let step = 0; step < 800; step++) counts[proposerIndexAtStep(validators, step)]!++;
  assert.deepEqual(counts, [100, 200, 500]);
  // Asking out of order gives the same answers as asking in order.
  const forward = Array.from({ length: 50 }, (_, s) => proposerIndexAtStep(validators, s));
  const backward = Array.from({ length: 50 }, (_, s) => proposerIndexAtStep(validators, 49 - s)).reverse();
  assert.deepEqual(backward, forward);
});

test('BFT time is the power-weighted median of the precommit times', () => {
  const v: Validator[] = [
    { name: 'a', pubKey: 'a', power: 1 },
    { name: 'b', pubKey: 'b', power: 1 },
    { name: 'c', pubKey: 'c', power: 5 },
  ];
  assert.equal(weightedMedianTime([{ validator: 'a', time: 10 }, { validator: 'b', time: 20 }, { validator: 'c', time: 30 }], v), 30);
  assert.equal(weightedMedianTime([{ validator: 'a', time: 10 }, { validator: 'b', time: 20 }], v), 20);
  // A faulty minority cannot drag the time: one validator of three equal ones claims year 3000.
  const eq: Validator[] = v.map((x) => ({ ...x, power: 1 }));
  assert.equal(weightedMedianTime([{ validator: 'a', time: 10 }, { validator: 'b', time: 11 }, { validator: 'c', time: 32_503_680_000_000 }], eq), 11);
});

/** Drive one engine by hand: it is validator 1 of 4; the others are simulated by signing their messages here. */
function handDriven() {
  const ks = keys(4, 'hand');
  const validators: Validator[] = ks.map((k, i) => ({ name: `v${i}`, pubKey: k.pubKey, power: 10 }));
  const me = ks[1]!;
  const vote = (i: number, type: 'prevote' | 'precommit', height: number, round: number, blockHash: string | null, time = T0 + 10): Vote => {
    const body = { type, chainId: CHAIN, height, round, blockHash, time };
    return { ...body, validator: ks[i]!.pubKey, sig: signBytes(ks[i]!.secretKey, voteSignBytes(body)) };
  };
  return { ks, validators, me, vote };
}

test('L22: a validator locked on a block prevotes nil for a different, valid proposal', () => {
  const { ks, validators, me, vote } = handDriven();
  const engine = engineFor(me, validators);
  const A = blockHashFor(1, 0, 'A');
  // Restore a lock on A from round 0 (the validator precommitted A before a restart).
  const myPrecommit = vote(1, 'precommit', 1, 0, A);
  let fx = engine.step({ type: 'start', nowMs: T0, height: 1, lastBlockTimeMs: T0 - 1, pendingTxs: 0, ownMessages: [myPrecommit] });
  assert.match(engine.describe(), /locked [0-9a-f]{4}@0/);
  // A later round whose proposer is someone else proposes B fresh (polRound -1).
  let r = 1;
  while (proposerOf(validators, 1, 1, r).pubKey === me.pubKey) r++;
  const proposer = proposerOf(validators, 1, 1, r);
  const B = blockHashFor(1, r, 'B');
  const pBody = { type: 'proposal' as const, chainId: CHAIN, height: 1, round: r, blockHash: B, polRound: -1 };
  const proposal = { ...pBody, proposer: proposer.pubKey, sig: signBytes(ks[validators.indexOf(proposer)]!.secretKey, proposalSignBytes(pBody)) };
  // Move to round r via +1/3 of the power sending messages in it (L55).
  fx = engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(0, 'prevote', 1, r, null) });
  fx = engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(2, 'prevote', 1, r, null) });
  assert.equal(engine.round, r);
  fx = engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: proposal });
  assert.ok(fx.some((e) => e.type === 'validateProposal' && e.blockHash === B), 'asks the host to validate B');
  fx = engine.step({ type: 'proposalValidated', nowMs: T0, height: 1, round: r, blockHash: B, valid: true, timeMs: T0, txCount: 0 });
  const myPrevote = fx.flatMap((e) => (e.type === 'broadcast' ? [e.message as Vote] : [])).find((m) => m.type === 'prevote');
  assert.ok(myPrevote);
  assert.equal(myPrevote.blockHash, null, 'locked on A: prevote nil for B');
  // Control: an unlocked validator prevotes the same proposal.
  const free = engineFor(me, validators);
  free.step({ type: 'start', nowMs: T0, height: 1, lastBlockTimeMs: T0 - 1, pendingTxs: 0 });
  free.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(0, 'prevote', 1, r, null) });
  free.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(2, 'prevote', 1, r, null) });
  free.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: proposal });
  const fx2 = free.step({ type: 'proposalValidated', nowMs: T0, height: 1, round: r, blockHash: B, valid: true, timeMs: T0, txCount: 0 });
  const freeVote = fx2.flatMap((e) => (e.type === 'broadcast' ? [e.message as Vote] : [])).find((m) => m.type === 'prevote');
  assert.equal(freeVote?.blockHash, B);
});

test('a fresh proposal of a block with transactions whose time is past the stale bound when it arrives is prevoted nil (that of block 1 too); an empty one, a timely one, a re-proposal and an engine without the bound prevote it', () => {
  const { ks, validators, me, vote } = handDriven();
  const BOUND = 20_000;
  /** A height whose round-0 proposer is another validator, from `from` on. */
  const heightFrom = (from: number): number => {
    let h = from;
    while (proposerOf(validators, 1, h, 0).pubKey === me.pubKey) h++;
    return h;
  };
  const B = blockHashFor(1, 0, 'B');
  const signedBy = (height: number, round: number, polRound: number) => {
    const proposer = proposerOf(validators, 1, height, round);
    const body = { type: 'proposal' as const, chainId: CHAIN, height, round, blockHash: B, polRound };
    return { ...body, proposer: proposer.pubKey, sig: signBytes(ks[validators.indexOf(proposer)]!.secretKey, proposalSignBytes(body)) };
  };
  const started = (height: number, bound?: number): TendermintEngine => {
    const engine = engineFor(me, validators, bound);
    engine.step({ type: 'start', nowMs: T0, height, lastBlockTimeMs: T0 - 1, pendingTxs: 1 });
    return engine;
  };
  /** The prevote of a validator that got the proposal at `arrivedAt` and the verdict after (a body fetched late). */
  const prevote = (c: { blockTime: number; arrivedAt: number; txCount: number; bound?: number; height?: number }): string | null | undefined => {
    const height = c.height ?? heightFrom(2);
    const engine = started(height, c.bound);
    engine.step({ type: 'peerMessage', nowMs: c.arrivedAt, from: 'x', message: signedBy(height, 0, -1) });
    const fx = engine.step({ type: 'proposalValidated', nowMs: c.arrivedAt + 60_000, height, round: 0, blockHash: B, valid: true, timeMs: c.blockTime, txCount: c.txCount });
    return fx.flatMap((e) => (e.type === 'broadcast' ? [e.message as Vote] : [])).find((m) => m.type === 'prevote')?.blockHash;
  };
  assert.equal(prevote({ blockTime: T0, arrivedAt: T0 + BOUND + 1, txCount: 3, bound: BOUND }), null, 'stale, with transactions: nil');
  assert.equal(prevote({ blockTime: T0, arrivedAt: T0 + BOUND, txCount: 3, bound: BOUND }), B, 'at the bound, judged on arrival (not when the verdict came): timely');
  assert.equal(prevote({ blockTime: T0, arrivedAt: T0 + BOUND + 1, txCount: 0, bound: BOUND }), B, 'stale but empty (a catch-up block): prevoted');
  assert.equal(prevote({ blockTime: T0, arrivedAt: T0 + BOUND + 1, txCount: 3 }), B, 'no bound (the paper; negative control): prevoted');
  assert.notEqual(proposerOf(validators, 1, 1, 0).pubKey, me.pubKey, 'the fixture needs another proposer of block 1');
  assert.equal(prevote({ blockTime: T0, arrivedAt: T0 + BOUND + 1, txCount: 3, bound: BOUND, height: 1 }), null, 'block 1 with transactions, at the genesis time long past: nil');
  // A re-proposal (polRound 0) rests on the +2/3 that prevoted it when it was fresh: no timeliness check.
  const height = heightFrom(2);
  const engine = started(height, BOUND);
  let r = 1;
  while (proposerOf(validators, 1, height, r).pubKey === me.pubKey) r++;
  const others = [0, 2, 3].map((i) => ks[i]!).filter((k) => k.pubKey !== me.pubKey);
  for (const k of others) engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(ks.indexOf(k), 'prevote', height, 0, B) });
  for (const k of others.slice(0, 2)) engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(ks.indexOf(k), 'prevote', height, r, null) });
  assert.equal(engine.round, r);
  engine.step({ type: 'peerMessage', nowMs: T0 + BOUND * 3, from: 'x', message: signedBy(height, r, 0) });
  const fx = engine.step({ type: 'proposalValidated', nowMs: T0 + BOUND * 3, height, round: r, blockHash: B, valid: true, timeMs: T0, txCount: 3 });
  const re = fx.flatMap((e) => (e.type === 'broadcast' ? [e.message as Vote] : [])).find((m) => m.type === 'prevote' && m.round === r);
  assert.equal(re?.blockHash, B, 'a re-proposal of a block +2/3 prevoted: prevoted, however old its time');
});

test("L36': a polka of an earlier round learned late becomes the validValue this validator re-proposes (with its polRound)", () => {
  const { ks, validators, me, vote } = handDriven();
  // Round 0 is proposed by someone else; the validator under test proposes at a later round p.
  const r0Proposer = proposerOf(validators, 1, 1, 0);
  assert.notEqual(r0Proposer.pubKey, me.pubKey, 'the fixture needs another proposer at round 0');
  let p = 2;
  while (proposerOf(validators, 1, 1, p).pubKey !== me.pubKey) p++;
  const A = blockHashFor(1, 0, 'A');
  const aBody = { type: 'proposal' as const, chainId: CHAIN, height: 1, round: 0, blockHash: A, polRound: -1 };
  const proposalA = { ...aBody, proposer: r0Proposer.pubKey, sig: signBytes(ks[validators.indexOf(r0Proposer)]!.secretKey, proposalSignBytes(aBody)) };
  const others = [0, 2, 3].filter((i) => ks[i]!.pubKey !== me.pubKey);
  const run = (learnPolka: boolean): EngineEffect[] => {
    const engine = engineFor(me, validators);
    engine.step({ type: 'start', nowMs: T0, height: 1, lastBlockTimeMs: T0 - 1, pendingTxs: 1 });
    // The validator times out of round 0 before A's proposal and prevotes reach it.
    engine.step({ type: 'timeout', nowMs: T0 + 5000, timer: 'propose', height: 1, round: 0, pendingTxs: 1 });
    // +1/3 of the power is already at round p - 1 (at least 1): it moves there (L55).
    for (const i of others.slice(0, 2)) engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(i, 'prevote', 1, p - 1, null) });
    assert.equal(engine.round, p - 1);
    if (learnPolka) {
      // Late: round 0's proposal of A and +2/3 prevotes for it (the three others).
      engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: proposalA });
      engine.step({ type: 'proposalValidated', nowMs: T0, height: 1, round: 0, blockHash: A, valid: true, timeMs: T0, txCount: 0 });
      for (const i of others) engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(i, 'prevote', 1, 0, A) });
      assert.match(engine.describe(), /valid [0-9a-f]{4}@0/, 'validValue is A from round 0');
      assert.match(engine.describe(), /locked -@-1/, 'no lock is taken');
    }
    // Its own round p comes (+1/3 of the power there).
    const fx: EngineEffect[] = [];
    for (const i of others.slice(0, 2)) fx.push(...engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(i, 'prevote', 1, p, null) }));
    assert.equal(engine.round, p);
    return fx;
  };
  const proposals = (fx: EngineEffect[]) => fx.flatMap((e) => (e.type === 'broadcast' && (e.message as ConsensusMessage).type === 'proposal' ? [e.message as { blockHash: string; polRound: number }] : []));
  assert.deepEqual(proposals(run(true)).map((m) => [m.blockHash, m.polRound]), [[A, 0]], 're-proposes A with polRound 0');
  // Control: without the late polka it builds a fresh block.
  const fresh = run(false);
  assert.ok(fresh.some((e) => e.type === 'buildProposal'), 'builds a new proposal');
  assert.deepEqual(proposals(fresh), [], 'nothing proposed until the new block is built');
});

test('equivocation: a second, different vote becomes evidence and is not counted twice; anyone can check the evidence', () => {
  const { validators, me, vote } = handDriven();
  const engine = engineFor(me, validators);
  engine.step({ type: 'start', nowMs: T0, height: 1, lastBlockTimeMs: T0 - 1, pendingTxs: 0 });
  const A = blockHashFor(1, 0, 'A');
  const B = blockHashFor(1, 0, 'B');
  let fx = engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(3, 'prevote', 1, 0, A) });
  assert.equal(fx.filter((e) => e.type === 'evidence').length, 0);
  fx = engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(3, 'prevote', 1, 0, B) });
  const ev = fx.find((e) => e.type === 'evidence');
  assert.ok(ev && ev.type === 'evidence');
  const verify = (p: string, m: Uint8Array, s: string) => verifyBytes(p, m, s);
  assert.deepEqual(checkEvidence(ev.evidence, CHAIN, validators, verify), { ok: true, validator: validators[3]!.pubKey });
  // The same vote again is not evidence; and evidence is reported once.
  fx = engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(3, 'prevote', 1, 0, B) });
  assert.equal(fx.filter((e) => e.type === 'evidence').length, 0);
  // Negative controls: two identical votes, or a tampered signature, are not evidence.
  assert.equal(checkEvidence({ first: vote(3, 'prevote', 1, 0, A), second: vote(3, 'prevote', 1, 0, A) }, CHAIN, validators, verify).ok, false);
  const forged = { ...vote(3, 'prevote', 1, 0, B), sig: vote(2, 'prevote', 1, 0, B).sig };
  assert.equal(checkEvidence({ first: vote(3, 'prevote', 1, 0, A), second: forged }, CHAIN, validators, verify).ok, false);
});

test('a forged signature is dropped: the vote is neither counted nor evidence', () => {
  const { validators, me, vote } = handDriven();
  const engine = engineFor(me, validators);
  engine.step({ type: 'start', nowMs: T0, height: 1, lastBlockTimeMs: T0 - 1, pendingTxs: 0 });
  const forged = { ...vote(0, 'prevote', 1, 5, null), sig: '00'.repeat(64) };
  const forged2 = { ...vote(2, 'prevote', 1, 5, null), sig: '11'.repeat(64) };
  engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: forged });
  engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: forged2 });
  assert.equal(engine.round, 0, 'forged round-5 votes did not move the round (L55)');
  // Control: the same votes correctly signed do move it.
  engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(0, 'prevote', 1, 5, null) });
  engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: vote(2, 'prevote', 1, 5, null) });
  assert.equal(engine.round, 5);
});

test('after a restart a validator re-sends what it signed and never signs a second, different vote', () => {
  const { validators, me, vote } = handDriven();
  const A = blockHashFor(1, 0, 'A');
  const mine = vote(1, 'prevote', 1, 0, A);
  const engine = engineFor(me, validators);
  engine.step({ type: 'start', nowMs: T0, height: 1, lastBlockTimeMs: T0 - 1, pendingTxs: 0, ownMessages: [mine] });
  // The propose timeout would make a fresh validator prevote nil in round 0.
  const fx = engine.step({ type: 'timeout', nowMs: T0 + 5000, timer: 'propose', height: 1, round: 0, pendingTxs: 0 });
  const sent = fx.filter((e) => e.type === 'broadcast').map((e) => (e as { message: ConsensusMessage }).message) as Vote[];
  const persisted = fx.filter((e) => e.type === 'persistVote');
  assert.equal(persisted.length, 0, 'nothing new signed');
  assert.deepEqual(sent, [mine], 're-sends the recorded prevote for A');
  // Negative control: without the restored log the engine would sign a nil prevote.
  const amnesic = engineFor(me, validators);
  amnesic.step({ type: 'start', nowMs: T0, height: 1, lastBlockTimeMs: T0 - 1, pendingTxs: 0 });
  const fx2 = amnesic.step({ type: 'timeout', nowMs: T0 + 5000, timer: 'propose', height: 1, round: 0, pendingTxs: 0 });
  const nil = fx2.find((e) => e.type === 'persistVote');
  assert.ok(nil && nil.type === 'persistVote' && nil.blockHash === null);
});

test('messages for far-future rounds, other chains and unknown validators are ignored', () => {
  const { validators, me, vote } = handDriven();
  const engine = engineFor(me, validators);
  engine.step({ type: 'start', nowMs: T0, height: 1, lastBlockTimeMs: T0 - 1, pendingTxs: 0 });
  const far = [vote(0, 'prevote', 1, 500, null), vote(2, 'prevote', 1, 500, null)];
  for (const m of far) engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: m });
  assert.equal(engine.round, 0);
  const other = { ...vote(0, 'prevote', 1, 3, null), chainId: 'another-chain' };
  assert.deepEqual(engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: other }), []);
  assert.deepEqual(engine.step({ type: 'peerMessage', nowMs: T0, from: 'x', message: { type: 'prevote', junk: true } }), []);
});
