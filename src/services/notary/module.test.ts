/** The notary module: anchors, refusals, metadata, and the reads its routes use. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { generateKeyPair } from '../../crypto/ed25519.js';
import { createTestChain, testGenesis, testOrg } from '../test-chain.js';
import { notaryModule } from './module.js';
import { batchAnchor, signedAnchor } from './queries.js';

const hash = (): string => randomBytes(32).toString('hex');
const chainOf = () => createTestChain(testGenesis([testOrg('a')]), [notaryModule]);

test('a hash is anchored once, with its block, time, signer and metadata; a second anchor is refused and changes nothing', () => {
  const chain = chainOf();
  const official = generateKeyPair();
  const h = hash();
  const first = chain.run(official, 'notary', 'anchor', { hash: h, meta: { docType: 'permit', reference: 'P-2026-17' } });
  assert.equal(first.code, 'OK');
  assert.deepEqual(first.events, [{ type: 'notary.anchored', hash: h }]);
  const record = signedAnchor(chain.get, h);
  assert.deepEqual(record, { height: 1, time: chain.genesis.genesisTime + 1000, txId: first.txId, signer: official.publicKey, meta: { docType: 'permit', reference: 'P-2026-17' } });
  const before = new Map(chain.state);
  const again = chain.run(generateKeyPair(), 'notary', 'anchor', { hash: h });
  assert.equal(again.code, 'NOTARY_ALREADY_ANCHORED');
  assert.match(again.message ?? '', /already anchored in block 1/);
  assert.deepEqual(signedAnchor(chain.get, h), record, 'the first anchor stands');
  assert.deepEqual([...chain.state.keys()].filter((k) => !before.has(k)).every((k) => k.startsWith('account/')), true);
});

test('empty metadata is not stored; metadata beyond its schema is refused', () => {
  const chain = chainOf();
  const key = generateKeyPair();
  const h = hash();
  assert.equal(chain.run(key, 'notary', 'anchor', { hash: h, meta: {} }).code, 'OK');
  assert.equal('meta' in signedAnchor(chain.get, h)!, false);
  assert.equal(chain.run(key, 'notary', 'anchor', { hash: hash(), meta: { name: 'Jane Citizen' } }).code, 'TX_ARGS_INVALID', 'no free-text member: metadata never carries a name');
  assert.equal(chain.run(key, 'notary', 'anchor', { hash: 'ABC' }).code, 'TX_ARGS_INVALID');
});

test('an aggregation root is anchored once with its count', () => {
  const chain = chainOf();
  const node = generateKeyPair();
  const root = hash();
  const ok = chain.run(node, 'notary', 'anchorBatch', { root, count: 5 });
  assert.equal(ok.code, 'OK');
  assert.deepEqual(ok.events, [{ type: 'notary.batchAnchored', root, count: 5 }]);
  assert.deepEqual(batchAnchor(chain.get, root), { height: 1, time: chain.genesis.genesisTime + 1000, txId: ok.txId, signer: node.publicKey, count: 5 });
  assert.equal(chain.run(node, 'notary', 'anchorBatch', { root, count: 7 }).code, 'NOTARY_ALREADY_ANCHORED');
  assert.equal(chain.run(node, 'notary', 'anchorBatch', { root: hash(), count: 0 }).code, 'TX_ARGS_INVALID');
  assert.equal(batchAnchor(chain.get, hash()), undefined);
});
