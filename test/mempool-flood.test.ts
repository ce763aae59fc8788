/**
 * Transactions that can never run must not lock honest signers out.
 * Four free keys send nonces 1, 2, 3, … and never 0,
 * until the mempool refuses them; an honest signer's transactions are then
 * still admitted and committed. Small limits stand for the defaults
 * (txsMax 200,000 with an eighth for gapped transactions): the same shape
 * at a size a test can fill.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { DEFAULT_MEMPOOL } from '../src/node/mempool.js';
import { anchorTx, randomHash, startTestNode } from './helpers.js';

test('a flood of gapped nonces from free keys leaves room for honest transactions', async (t) => {
  const node = await startTestNode({ mempool: { ...DEFAULT_MEMPOOL, txsMax: 400, perSignerMax: 400, futureTxsMax: 50 } });
  try {
    const post = async (url: string, payload: unknown) => {
      const res = await node.app.inject({ method: 'POST', url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } });
      return { status: res.statusCode, body: res.json() };
    };
    // The attack: nonces 1..199 of four keys (never 0), until refused.
    const attackers = Array.from({ length: 4 }, () => generateKeyPair());
    const codes = new Map<string, number>();
    for (const key of attackers) {
      const txs = Array.from({ length: 199 }, (_, i) => anchorTx(node.genesis, key, i + 1, randomHash()));
      const res = await post('/v1/txs', { txs });
      const results = res.status === 202 ? res.body.results : res.body.details.results;
      for (const r of results as { status: string; code?: string }[]) codes.set(r.code ?? r.status, (codes.get(r.code ?? r.status) ?? 0) + 1);
    }
    const waiting = node.node.status().mempoolTxs;
    t.diagnostic(`attack: ${JSON.stringify(Object.fromEntries(codes))}; mempool holds ${waiting} of 400`);

    // An honest signer: twenty transactions in a row, then one that waits for its block.
    const honest = generateKeyPair();
    const batch = await post('/v1/txs', { txs: Array.from({ length: 20 }, (_, i) => anchorTx(node.genesis, honest, i, randomHash())) });
    const refused = batch.status === 202 ? batch.body.results.filter((r: { status: string }) => r.status !== 'accepted') : batch.body.details.results;
    t.diagnostic(`honest batch: ${batch.status}, ${refused.length} of 20 refused${refused[0] ? ` (${refused[0].code})` : ''}`);
    assert.equal(batch.status, 202);
    assert.equal(refused.length, 0);
    const one = await post('/v1/tx?wait=commit', anchorTx(node.genesis, honest, 20, randomHash()));
    assert.equal(one.status, 200, JSON.stringify(one.body));
    assert.ok(node.node.status().mempoolTxs <= 50, 'what is left waiting is at most the gapped share');
  } finally {
    await node.close();
  }
});
