import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, type KeyPair } from '../../crypto/ed25519.js';
import { signConsent } from '../org/consent-sign.js';
import { builtinModules } from '../index.js';
import { callerOf, getOrg, memberKey } from '../../runtime/membership.js';
import { createTestChain, testGenesis, testOrg } from '../test-chain.js';
import { OPEN_PROPOSALS_PER_ORG_MAX, proposalKey, statusAt, VOTING_SECONDS_DEFAULT, VOTING_SECONDS_MAX, VOTING_SECONDS_MIN, type Proposal } from './module.js';
import { listProposals, proposal, PROPOSALS_SCAN_MAX } from './queries.js';
import { SETS_KEY } from '../../runtime/validator-schedule.js';

const newOrg = (id: string) => {
  const admin = generateKeyPair();
  const node = generateKeyPair();
  return { admin, node, organisation: { id, name: `Department ${id}`, admins: [admin.publicKey], threshold: 1, nodes: [node.publicKey], permissions: ['notary'] } };
};

test('three organisations add a fourth by governance; its admin then acts for it; its node joins the validators by a second vote', () => {
  const [a, b, c] = [testOrg('civil-registry'), testOrg('tax-bureau'), testOrg('land-registry')];
  const chain = createTestChain(testGenesis([a, b, c]), builtinModules);
  const d = newOrg('health');
  // Before: the newcomer's admin is nobody.
  assert.equal(chain.run(d.admin, 'gov', 'propose', { change: { type: 'removeOrganisation', id: 'tax-bureau' } }).code, 'AUTH_NOT_ORG_ADMIN');

  const proposed = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'addOrganisation', organisation: d.organisation } });
  assert.equal(proposed.code, 'OK');
  const id = proposed.txId;
  assert.equal((chain.get(proposalKey(id)) as unknown as Proposal).status, 'open', '1 of 3 is short of two thirds');
  assert.equal(chain.run(a.admins[0]!, 'gov', 'vote', { id, approve: true }).code, 'GOV_ALREADY_VOTED');
  assert.equal(getOrg(chain.get, 'health'), undefined);
  assert.equal(chain.run(b.admins[0]!, 'gov', 'vote', { id, approve: true }).code, 'OK');
  const p = chain.get(proposalKey(id)) as unknown as Proposal;
  assert.equal(p.status, 'executed');
  assert.equal(getOrg(chain.get, 'health')?.status, 'active');
  assert.deepEqual(callerOf(chain.get, d.admin.publicKey).org, 'health');
  assert.equal(chain.run(c.admins[0]!, 'gov', 'vote', { id, approve: true }).code, 'GOV_PROPOSAL_CLOSED');

  // The new member's node becomes a validator: now 3 of 4 organisations must approve.
  const newSet = [...chain.genesis.validators, { name: 'health-0', pubKey: d.node.publicKey, power: 1 }];
  const setId = chain.run(d.admin, 'gov', 'propose', { change: { type: 'setValidators', validators: newSet } }).txId;
  assert.equal(chain.run(a.admins[0]!, 'gov', 'vote', { id: setId, approve: true }).code, 'OK');
  assert.equal((chain.get(proposalKey(setId)) as unknown as Proposal).status, 'open', '2 of 4 is short of two thirds');
  assert.equal(chain.get(SETS_KEY), undefined);
  assert.equal(chain.run(c.admins[0]!, 'gov', 'vote', { id: setId, approve: true }).code, 'OK');
  const sets = chain.get(SETS_KEY) as unknown as { sets: { since: number; validators: { pubKey: string }[] }[] };
  assert.equal(sets.sets.length, 1);
  assert.equal(sets.sets[0]!.since, chain.height + 2);
  assert.ok(sets.sets[0]!.validators.some((v) => v.pubKey === d.node.publicKey));
});

test('a proposal with too few approvals expires without effect, and a no-majority rejects', () => {
  const [a, b, c] = [testOrg('a'), testOrg('b'), testOrg('c')];
  const chain = createTestChain(testGenesis([a, b, c]), builtinModules);
  const id = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'revokePermission', org: 'b', module: 'notary' }, votingSeconds: 30 }).txId;
  const p = chain.get(proposalKey(id)) as unknown as Proposal;
  chain.skip(29); // blocks are a second apart: the next one is the deadline
  assert.equal(statusAt(p, { height: chain.height + 1, timeMs: chain.timeMs + 1000 }), 'open', 'a vote in a block at its deadline still counts');
  chain.skip(1);
  assert.equal(statusAt(p, { height: chain.height + 1, timeMs: chain.timeMs + 1000 }), 'expired');
  assert.equal(chain.run(b.admins[0]!, 'gov', 'vote', { id, approve: true }).code, 'GOV_PROPOSAL_EXPIRED');
  assert.ok(getOrg(chain.get, 'b')!.permissions.includes('notary'), 'nothing changed');
  // Rejection: two of three say no, so two thirds can no longer approve.
  const r = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingSeconds', value: 50 } }).txId;
  assert.equal(chain.run(b.admins[0]!, 'gov', 'vote', { id: r, approve: false }).code, 'OK');
  assert.equal((chain.get(proposalKey(r)) as unknown as Proposal).status, 'open');
  assert.equal(chain.run(c.admins[0]!, 'gov', 'vote', { id: r, approve: false }).code, 'OK');
  assert.equal((chain.get(proposalKey(r)) as unknown as Proposal).status, 'rejected');
});

test('an organisation with two of three admins: its vote counts only when two agree', () => {
  const a = testOrg('a', 3, 1, { threshold: 2 });
  const [b, c] = [testOrg('b'), testOrg('c')];
  const chain = createTestChain(testGenesis([a, b, c]), builtinModules);
  const id = chain.run(b.admins[0]!, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingSeconds', value: 20 } }).txId;
  assert.equal(chain.run(a.admins[0]!, 'gov', 'vote', { id, approve: true }).code, 'OK');
  assert.equal((chain.get(proposalKey(id)) as unknown as Proposal).status, 'open', 'one admin of a 2-of-3 organisation does not decide it');
  assert.equal(chain.run(a.admins[1]!, 'gov', 'vote', { id, approve: true }).code, 'OK');
  assert.equal((chain.get(proposalKey(id)) as unknown as Proposal).status, 'executed');
  assert.equal((chain.get('gov/params') as { votingSeconds: number }).votingSeconds, 20);
});

test('an organisation registers officials and rotates its admin keys with its threshold of admins', () => {
  const a = testOrg('a', 2, 1, { threshold: 2 });
  const chain = createTestChain(testGenesis([a, testOrg('b')]), builtinModules);
  const official = generateKeyPair();
  const consent = (use: 'official' | 'admin' | 'node', k: KeyPair) => signConsent({ chainId: chain.genesis.chainId, org: 'a', use, publicKey: k.publicKey, secretKey: k.secretKey }).signature;
  const id = chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'registerOfficial', key: official.publicKey, roles: ['registrar'], consent: consent('official', official) } }).txId;
  assert.equal(chain.get(memberKey(official.publicKey)), undefined, 'one admin of two is not enough');
  assert.equal(chain.run(a.admins[0]!, 'org', 'approve', { org: 'a', id }).code, 'ORG_ALREADY_APPROVED');
  assert.equal(chain.run(a.admins[1]!, 'org', 'approve', { org: 'a', id }).code, 'OK');
  assert.deepEqual(callerOf(chain.get, official.publicKey), { org: 'a', roles: ['registrar'], admin: false });
  // Bad roles and keys already in use are refused.
  assert.equal(chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'setRoles', key: official.publicKey, roles: ['wizard'] } }).code, 'ORG_ROLE_UNKNOWN');
  assert.equal(chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'registerOfficial', key: official.publicKey, roles: ['auditor'], consent: consent('official', official) } }).code, 'ORG_OFFICIAL_EXISTS');
  // Rotate: a new admin key replaces the first; the old one loses its rights at once.
  const fresh = generateKeyPair();
  const rot = chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'setAdmins', admins: [fresh.publicKey, a.admins[1]!.publicKey], threshold: 2, consents: [{ key: fresh.publicKey, signature: consent('admin', fresh) }] } }).txId;
  assert.equal(chain.run(a.admins[1]!, 'org', 'approve', { org: 'a', id: rot }).code, 'OK');
  assert.equal(callerOf(chain.get, a.admins[0]!.publicKey).admin, false);
  assert.equal(callerOf(chain.get, fresh.publicKey).admin, true);
  assert.equal(chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'removeOfficial', key: official.publicKey } }).code, 'AUTH_NOT_ORG_ADMIN');
});

test('a validator’s node key rotates without stopping the chain: the new key signs two blocks later, with the same power', () => {
  const [a, b, c] = [testOrg('a'), testOrg('b'), testOrg('c')];
  const chain = createTestChain(testGenesis([a, b, c]), builtinModules);
  const next = generateKeyPair();
  const r = chain.run(a.admins[0]!, 'org', 'propose', { org: 'a', op: { type: 'rotateNode', from: a.nodes[0]!.publicKey, to: next.publicKey, consent: signConsent({ chainId: chain.genesis.chainId, org: 'a', use: 'node', publicKey: next.publicKey, secretKey: next.secretKey }).signature } });
  assert.equal(r.code, 'OK');
  const sets = chain.get(SETS_KEY) as unknown as { sets: { since: number; validators: { pubKey: string; power: number }[] }[] };
  assert.equal(sets.sets[0]!.since, chain.height + 2);
  assert.ok(sets.sets[0]!.validators.some((v) => v.pubKey === next.publicKey && v.power === 1));
  assert.ok(!sets.sets[0]!.validators.some((v) => v.pubKey === a.nodes[0]!.publicKey));
  assert.deepEqual(getOrg(chain.get, 'a')!.nodes, [next.publicKey]);
});

test('open proposals are limited per organisation: A at its limit cannot stop B, and a proposal that closes frees A a slot', () => {
  const [a, b, c] = [testOrg('a'), testOrg('b'), testOrg('c')];
  const chain = createTestChain(testGenesis([a, b, c]), builtinModules);
  const change = (value: number) => ({ change: { type: 'setParameter', name: 'votingSeconds', value }, votingSeconds: 100 });
  const limit = OPEN_PROPOSALS_PER_ORG_MAX;
  assert.ok(limit >= 16 && limit <= 64, `a small number: ${limit}`);
  const ids = Array.from({ length: limit }, (_, i) => chain.run(a.admins[0]!, 'gov', 'propose', change(100 + i)));
  assert.deepEqual([...new Set(ids.map((r) => r.code))], ['OK']);
  const over = chain.run(a.admins[0]!, 'gov', 'propose', change(99));
  assert.equal(over.code, 'GOV_OPEN_LIMIT', over.message);
  // Another organisation proposes as before.
  const fromB = chain.run(b.admins[0]!, 'gov', 'propose', change(50));
  assert.equal(fromB.code, 'OK', fromB.message);
  // One of A's proposals is rejected (B and C say no): A has a slot again, and only one.
  assert.equal(chain.run(b.admins[0]!, 'gov', 'vote', { id: ids[0]!.txId, approve: false }).code, 'OK');
  assert.equal(chain.run(c.admins[0]!, 'gov', 'vote', { id: ids[0]!.txId, approve: false }).code, 'OK');
  assert.equal((chain.get(proposalKey(ids[0]!.txId)) as unknown as Proposal).status, 'rejected');
  assert.equal(chain.run(a.admins[0]!, 'gov', 'propose', change(98)).code, 'OK');
  assert.equal(chain.run(a.admins[0]!, 'gov', 'propose', change(97)).code, 'GOV_OPEN_LIMIT');
  // Expiry frees the slots too (no transaction closes an expired proposal; the next proposal sweeps them).
  chain.advance(100_000);
  assert.equal(chain.run(a.admins[0]!, 'gov', 'propose', change(96)).code, 'OK');
});

test('the proposals list pages by a cursor over the whole history, newest first, reading no more than a bounded number of proposals', () => {
  const [a, b, c] = [testOrg('a'), testOrg('b'), testOrg('c')];
  const chain = createTestChain(testGenesis([a, b, c]), builtinModules);
  const ids: string[] = [];
  for (let i = 0; i < 12; i++) {
    const by = [a, b, c][i % 3]!;
    ids.push(chain.run(by.admins[0]!, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingSeconds', value: 100 + i } }).txId);
  }
  const newestFirst = ids.slice().reverse();
  const first = listProposals(chain.get, { height: chain.height, timeMs: chain.timeMs }, { limit: 5 });
  assert.deepEqual(first.proposals.map((p) => p.id), newestFirst.slice(0, 5));
  assert.equal(first.total, 12);
  const second = listProposals(chain.get, { height: chain.height, timeMs: chain.timeMs }, { limit: 5, before: first.proposals.at(-1)!.id });
  assert.deepEqual(second.proposals.map((p) => p.id), newestFirst.slice(5, 10));
  let reads = 0;
  const counting = (key: string) => (reads++, chain.get(key));
  listProposals(counting, { height: chain.height, timeMs: chain.timeMs }, { limit: 5, status: 'executed' });
  assert.ok(reads <= 2 * PROPOSALS_SCAN_MAX + 2, `reads: ${reads}`);
});

test('a voting period is set in time: blocks do not end it, and a vote in a block past the deadline is refused', () => {
  const [a, b, c, d] = [testOrg('a'), testOrg('b'), testOrg('c'), testOrg('d')];
  const chain = createTestChain(testGenesis([a, b, c, d]), builtinModules, { blockMs: 1000 });
  const id = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'revokePermission', org: 'b', module: 'notary' }, votingSeconds: 3600 }).txId;
  const proposedAtMs = chain.timeMs;
  const p = chain.get(proposalKey(id)) as unknown as Proposal;
  assert.equal(p.proposedAtMs, proposedAtMs);
  assert.equal(p.expiresAtMs, proposedAtMs + 3_600_000, 'the deadline is the proposal block’s time plus the period');
  // Many blocks pass; the proposal stays open (a block count no longer measures time).
  chain.skip(50);
  assert.equal(statusAt(p, { height: chain.height + 1, timeMs: chain.timeMs + 1000 }), 'open');
  // The next block's time is the deadline itself: a vote there still counts.
  chain.advance(p.expiresAtMs - (chain.timeMs + 1000));
  assert.equal(chain.run(b.admins[0]!, 'gov', 'vote', { id, approve: false }).code, 'OK');
  assert.equal(chain.timeMs, p.expiresAtMs);
  // One block later, past the deadline: refused, and the message gives the deadline as a date.
  const late = chain.run(c.admins[0]!, 'gov', 'vote', { id, approve: true });
  assert.equal(late.code, 'GOV_PROPOSAL_EXPIRED');
  assert.match(late.message!, new RegExp(new Date(p.expiresAtMs).toISOString().replace(/[.]/g, '\\.')));
  assert.ok(getOrg(chain.get, 'b')!.permissions.includes('notary'), 'nothing changed');
});

test('reads: a proposal shows its deadline as ISO 8601 beside the milliseconds, and is expired once the reader’s time passes it', () => {
  const [a, b, c] = [testOrg('a'), testOrg('b'), testOrg('c')];
  const chain = createTestChain(testGenesis([a, b, c]), builtinModules);
  const id = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'revokePermission', org: 'b', module: 'notary' }, votingSeconds: 600 }).txId;
  const at = { height: chain.height, timeMs: chain.timeMs };
  const view = proposal(chain.get, id, at)!;
  assert.equal(view.status, 'open');
  assert.equal(view.expiresAtIso, new Date(view.expiresAtMs!).toISOString());
  assert.equal(view.proposedAtIso, new Date(chain.timeMs).toISOString());
  // No block is made, but the reader's time (its clock) passed the deadline: the next block would refuse a vote.
  assert.equal(proposal(chain.get, id, { ...at, timeMs: view.expiresAtMs! })!.status, 'open');
  assert.equal(proposal(chain.get, id, { ...at, timeMs: view.expiresAtMs! + 1 })!.status, 'expired');
  assert.deepEqual(listProposals(chain.get, { ...at, timeMs: view.expiresAtMs! + 1 }, { limit: 5, status: 'expired' }).proposals.map((x) => x.id), [id]);
});

test('the voting period: the consortium’s votingSeconds (7 days on a chain whose parameters predate it), bounded; a proposer may ask for less, never more', () => {
  const [a, b, c] = [testOrg('a'), testOrg('b'), testOrg('c')];
  const chain = createTestChain(testGenesis([a, b, c]), builtinModules);
  const dflt = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'revokePermission', org: 'b', module: 'did' } }).txId;
  assert.deepEqual(chain.get('gov/params'), { approvalNumerator: 2, approvalDenominator: 3, votingBlocks: 10_000 }, 'the genesis writes no votingSeconds');
  assert.equal((chain.get(proposalKey(dflt)) as unknown as Proposal).expiresAtMs, chain.timeMs + VOTING_SECONDS_DEFAULT * 1000);
  assert.equal(VOTING_SECONDS_DEFAULT, 7 * 24 * 3600);
  // Out of bounds: refused by the argument schema.
  assert.notEqual(chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'revokePermission', org: 'c', module: 'did' }, votingSeconds: VOTING_SECONDS_MIN - 1 }).code, 'OK');
  assert.notEqual(chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'revokePermission', org: 'c', module: 'did' }, votingSeconds: VOTING_SECONDS_MAX + 1 }).code, 'OK');
  // The old block-count parameter and argument are gone.
  assert.notEqual(chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'revokePermission', org: 'c', module: 'did' }, votingBlocks: 10 }).code, 'OK');
  const old = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingBlocks', value: 100 } });
  assert.equal(old.code, 'GOV_INVALID');
  assert.match(old.message!, /votingSeconds/);
  // The consortium sets an hour; a proposer asking for a day gets the hour.
  const set = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingSeconds', value: 3600 } }).txId;
  assert.equal(chain.run(b.admins[0]!, 'gov', 'vote', { id: set, approve: true }).code, 'OK');
  assert.equal((chain.get('gov/params') as { votingSeconds: number }).votingSeconds, 3600);
  const capped = chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'revokePermission', org: 'c', module: 'did' }, votingSeconds: 86_400 }).txId;
  assert.equal((chain.get(proposalKey(capped)) as unknown as Proposal).expiresAtMs, chain.timeMs + 3_600_000);
  assert.equal(chain.run(a.admins[0]!, 'gov', 'propose', { change: { type: 'setParameter', name: 'votingSeconds', value: VOTING_SECONDS_MIN - 1 } }).code, 'GOV_INVALID');
});

test('a proposal stored before deadlines were set in time (a height, no time) still expires by its height', () => {
  const legacy = { id: 'x', seq: 1, change: { type: 'removeOrganisation', id: 'b' }, proposer: { org: 'a', key: 'k' }, proposedAt: 5, expiresAt: 10, votes: {}, decided: {}, status: 'open' } as unknown as Proposal;
  assert.equal(statusAt(legacy, { height: 10, timeMs: 9e12 }), 'open');
  assert.equal(statusAt(legacy, { height: 11, timeMs: 0 }), 'expired');
});
