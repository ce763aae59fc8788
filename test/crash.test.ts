/**
 * Crash safety: a node killed with SIGKILL while transactions and notary
 * hashes stream in loses nothing it committed. After each restart every
 * transaction the node had reported committed is still committed with the
 * same result, every block it had served is unchanged, and the state rebuilt
 * from disk has exactly the root the last stored header commits to.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { initDataDir } from '../src/node/data-dir.js';
import { createClient } from '../src/sdk/client.js';
import { notaryClient } from '../src/services/notary/client.js';
import { verifyReceipt } from '../src/ledger/receipt-verify.js';
import { txId } from '../src/ledger/transaction.js';
import { anchorTx, freePort, randomHash, tempDir, until } from './helpers.js';

const BIN = fileURLToPath(new URL('../../bin/polity.js', import.meta.url));

async function startNode(data: string, port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, 'start', '--data', data, '--port', String(port), '--log-level', 'error', '--block-interval-ms', '30'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const client = createClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
  await until(async () => (await client.status().catch(() => undefined)) !== undefined || undefined, 20_000, 'the node to answer');
  return child;
}

function kill9(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

test('SIGKILL while transactions stream in loses nothing committed', async () => {
  const data = await tempDir('polity-crash-');
  const { genesis } = await initDataDir(data);
  const port = await freePort();
  const client = createClient({ url: `http://127.0.0.1:${port}`, timeoutMs: 5_000, key: generateKeyPair() });
  const signers = Array.from({ length: 4 }, () => ({ key: generateKeyPair(), nonce: 0 }));
  const committed = new Map<string, { height: number; code: string }>();
  const blockHashes = new Map<number, string>();
  const anchoredHashes: string[] = [];

  for (let cycle = 0; cycle < 3; cycle++) {
    const child = await startNode(data, port);
    // Everything known committed before the crash is still there, unchanged.
    for (const [id, was] of committed) {
      const now = await client.txStatus(id);
      assert.equal(now.status, 'committed', `transaction ${id.slice(0, 12)} lost after restart ${cycle}`);
      assert.equal((now as { height: number }).height, was.height);
      assert.equal((now as { result: { code: string } }).result.code, was.code);
    }
    for (const [height, hash] of blockHashes) assert.equal((await client.block(height)).hash, hash, `block ${height} changed`);
    const status = await client.status();
    if (status.height > 0) {
      const head = await client.block('latest');
      assert.equal(status.stateRoot, head.header.stateRoot, 'state rebuilt from disk has the root of the last stored header');
    }
    for (const h of anchoredHashes.slice(-20)) assert.ok(verifyReceipt(await notaryClient(client).receipt(h), genesis, { documentHash: h }).ok);
    // Resync nonces with the chain (submissions in flight at the kill may or may not have committed).
    for (const s of signers) s.nonce = await client.nonce(s.key.publicKey);

    // Stream transactions and hashes; SIGKILL at a random instant mid-stream.
    let streaming = true;
    const killAfterMs = 400 + Math.floor(Math.random() * 600);
    const stream = (async () => {
      while (streaming) {
        const txs = signers.flatMap((s) => Array.from({ length: 10 }, () => anchorTx(genesis, s.key, s.nonce++, randomHash())));
        const hashes = Array.from({ length: 50 }, randomHash);
        try {
          await Promise.all([client.submitTxs(txs), notaryClient(client).batch(hashes)]);
          // Learn what committed (as a client would, by asking).
          const last = txs[txs.length - 1]!;
          let s = await client.txStatus(txId(last));
          for (let i = 0; i < 100 && s.status !== 'committed'; i++) {
            await new Promise((r) => setTimeout(r, 10));
            s = await client.txStatus(txId(last));
          }
          if (s.status === 'committed') {
            for (const tx of txs) {
              const st = await client.txStatus(txId(tx));
              if (st.status === 'committed') committed.set(txId(tx), { height: st.height, code: st.result.code });
            }
            const recs = await notaryClient(client).receipts(hashes);
            for (const r of recs) if ((r as { type?: string }).type) anchoredHashes.push((r as { hash: string }).hash);
            const b = await client.block(s.height);
            blockHashes.set(s.height, b.hash);
          }
        } catch {
          return; // the node died under us: expected
        }
      }
    })();
    await new Promise((r) => setTimeout(r, killAfterMs));
    await kill9(child);
    streaming = false;
    await stream;
  }
  assert.ok(committed.size > 0, 'the stream committed transactions before the crashes');
  assert.ok(anchoredHashes.length > 0, 'notary hashes were anchored before the crashes');

  // Final restart: the node resumes and keeps committing.
  const child = await startNode(data, port);
  const s = signers[0]!;
  s.nonce = await client.nonce(s.key.publicKey);
  const res = await client.submitTx(anchorTx(genesis, s.key, s.nonce, randomHash()), { wait: true });
  assert.equal(res.status, 'committed');
  await kill9(child);
  await rm(data, { recursive: true, force: true });
});
