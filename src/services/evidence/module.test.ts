/** The evidence module: self-proving evidence is recorded once; anything short of proof is refused and changes nothing. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair, signBytes, type KeyPair } from '../../crypto/ed25519.js';
import { voteSignBytes } from '../../ledger/votes.js';
import { createTestChain, testGenesis, testOrg } from '../test-chain.js';
import { evidenceKey, evidenceModule } from './module.js';
import { evidenceAgainst, evidenceRecords } from './queries.js';

const org = testOrg('a', 1, 4);
const chain0 = () => createTestChain(testGenesis([org]), [evidenceModule]);
const validator = org.nodes[0]!;
const vote = (signer: KeyPair, blockHash: string | null, height = 5, round = 0, chainId = 'polity-test') => {
  const body = { type: 'prevote' as const, chainId, height, round, blockHash, time: 1_000 };
  return { ...body, validator: signer.publicKey, sig: signBytes(signer.secretKey, voteSignBytes(body)) };
};

test('two conflicting prevotes of one validator are recorded once, and read back', () => {
  const chain = chain0();
  const reporter = generateKeyPair();
  const first = vote(validator, 'aa'.repeat(32));
  const second = vote(validator, 'bb'.repeat(32));
  const ok = chain.run(reporter, 'evidence', 'submit', { first, second });
  assert.equal(ok.code, 'OK', ok.message);
  const key = evidenceKey(first);
  const records = evidenceRecords(chain.get, [key]);
  assert.equal(records.length, 1);
  assert.equal(records[0]!.validator, validator.publicKey);
  assert.equal(records[0]!.reportedBy, reporter.publicKey);
  assert.deepEqual(evidenceAgainst(records, validator.publicKey), records);
  assert.deepEqual(evidenceAgainst(records, org.nodes[1]!.publicKey), []);
  assert.equal(chain.run(reporter, 'evidence', 'submit', { first, second }).code, 'EVIDENCE_DUPLICATE');
});

test('what is not proof is refused: the same vote twice, two signers, a forged signature, a non-validator, another chain', () => {
  const chain = chain0();
  chain.skip(); // block 1 writes the genesis state
  const reporter = generateKeyPair();
  const stranger = generateKeyPair();
  const a = vote(validator, 'aa'.repeat(32));
  const cases: [string, unknown, unknown][] = [
    ['the same vote twice', a, a],
    ['two validators', a, vote(org.nodes[1]!, 'bb'.repeat(32))],
    ['a forged signature', a, { ...vote(validator, 'bb'.repeat(32)), sig: vote(stranger, 'bb'.repeat(32)).sig }],
    ['a signer outside the set', vote(stranger, 'aa'.repeat(32)), vote(stranger, 'bb'.repeat(32))],
    ['another chain', vote(validator, 'aa'.repeat(32), 5, 0, 'elsewhere'), vote(validator, 'bb'.repeat(32), 5, 0, 'elsewhere')],
    ['different heights', a, vote(validator, 'bb'.repeat(32), 6)],
  ];
  for (const [what, first, second] of cases) {
    const before = new Map(chain.state);
    const result = chain.run(reporter, 'evidence', 'submit', { first, second } as never);
    assert.equal(result.code, 'EVIDENCE_INVALID', what);
    assert.ok([...chain.state.keys()].every((k) => before.has(k) || k.startsWith('account/')), `${what} recorded nothing`);
  }
});

test('GET /v1/evidence answers a bounded page, newest first, and the cursor walks every record once', async () => {
  const { evidencePage } = await import('./queries.js');
  const keys = Array.from({ length: 1203 }, (_, i) => `evidence/${i}`);
  const reads: string[] = [];
  const get = (k: string) => {
    reads.push(k);
    return { recordedAt: Number(k.split('/')[1]) } as never;
  };
  const first = evidencePage(get, keys, 500);
  assert.equal(first.total, 1203);
  assert.equal(first.evidence.length, 500);
  assert.equal(reads.length, 500, 'a page reads only its own records');
  assert.deepEqual([first.evidence[0]!.recordedAt, first.evidence.at(-1)!.recordedAt], [1202, 703], 'newest first');
  const seen = [...first.evidence];
  let next = first.next;
  while (next !== undefined) {
    const page = evidencePage(get, keys, 500, next);
    seen.push(...page.evidence);
    next = page.next;
  }
  assert.deepEqual(seen.map((r) => r.recordedAt), keys.map((_, i) => i).reverse(), 'every record once, in order');
  assert.deepEqual(evidencePage(get, [], 100), { evidence: [], total: 0 });
  assert.equal(evidencePage(get, keys, 100, 5000).evidence[0]!.recordedAt, 1202, 'a cursor past the end starts at the newest');
});
