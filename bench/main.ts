/**
 * `npm run bench` — Polity's throughput on this machine, printed beside the
 * machine's own ceilings measured in the same run, so the ratios mean the
 * same thing on any machine:
 *
 *   ceilings   Ed25519 verifications/s (one core, all cores), SHA-256 hashes/s
 *   notary     signed notary transactions committed/s on one node, through
 *              HTTP, signature checks, mempool, execution and synced storage
 *   aggregate  document hashes anchored/s through the batch endpoint, until
 *              every hash's receipt can be served
 *   receipts   receipts served/s by the node; receipts verified/s offline
 *
 * `npm run bench -- --json` prints the same figures as one JSON object.
 * `--quick` runs smaller samples (for a smoke test); `--only signed` or
 * `--only aggregate` runs one part.
 */
import { availableParallelism } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ed25519AllCores, ed25519OneCore, sha256PerSecond } from './ceilings.js';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { signRequest } from '../src/sdk/http-auth.js';
import { signTx } from '../src/ledger/sign.js';
import { createReceiptCache, verifyReceipt } from '../src/ledger/receipt-verify.js';
import type { Receipt } from '../src/ledger/receipt.js';
import { startTestNode } from '../test/helpers.js';
import type { PolityNode } from '../src/node/node.js';
import { builtinServices } from '../src/services/index.js';
import { notaryHost } from '../src/services/notary/host.js';
import type { Genesis } from '../src/ledger/genesis.js';

const args = new Set(process.argv.slice(2));
const JSON_OUT = args.has('--json');
const QUICK = args.has('--quick');
const onlyAt = process.argv.indexOf('--only');
/** `--only signed` or `--only aggregate` runs one part (the ceilings always run). */
const ONLY = onlyAt > 0 ? process.argv[onlyAt + 1] : undefined;
const say = (line: string): void => {
  if (!JSON_OUT) process.stdout.write(line + '\n');
};
const now = (): number => performance.now();
const rate = (n: number, ms: number): number => Math.round((n / ms) * 1000);
const fmt = (n: number): string => n.toLocaleString('en-US');
const ratio = (a: number, b: number): string => `${((a / b) * 100).toFixed(1)}%`;

// --- ceilings --------------------------------------------------------------

// --- node under load ---------------------------------------------------------

async function withNode<T>(fn: (url: string, node: PolityNode, genesis: Genesis) => Promise<T>): Promise<T> {
  const t = await startTestNode({
    listen: true,
    api: { bodyLimitBytes: 64 * 1024 * 1024 },
    blockIntervalMs: 200,
    verifyWorkers: availableParallelism(),
    mempool: { txsMax: 400_000, bytesMax: 512 * 1024 * 1024, perSignerMax: 100_000, nonceWindow: 100_000 },
    // Room for the whole aggregated sample at once.
    services: builtinServices.map((s) => (s.name === 'notary' ? { ...s, host: notaryHost({ pendingHashesMax: 16_000_000 }) } : s)),
  });
  const { port } = t.app.server.address() as { port: number };
  try {
    return await fn(`http://127.0.0.1:${port}`, t.node, t.genesis);
  } finally {
    await t.close();
  }
}

/** The bench client's key: it signs every request (RFC 9421), as `polity notarize` does. */
const requester = generateKeyPair();

async function post(url: string, body: string): Promise<any> {
  const headers = { 'content-type': 'application/json' };
  const res = await fetch(url, { method: 'POST', headers: { ...headers, ...signRequest({ method: 'POST', url, headers, body, keyId: requester.publicKey, secretKey: requester.secretKey }) }, body });
  const data = await res.json();
  if (res.status >= 400) throw new Error(`${res.status} ${JSON.stringify(data).slice(0, 300)}`);
  return data;
}

async function pool<T>(items: T[], concurrency: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

async function signedTxThroughput(total: number): Promise<{ txsPerSecond: number; blocks: number; txs: number }> {
  return withNode(async (url, node, genesis) => {
    const signerCount = 64;
    const perSigner = Math.ceil(total / signerCount);
    const keys = Array.from({ length: signerCount }, () => generateKeyPair());
    // Signing is the clients' work: done before the clock starts.
    const txs = [];
    for (let n = 0; n < perSigner; n++) {
      for (const k of keys) {
        txs.push(signTx({ v: 1, chainId: genesis.chainId, module: 'notary', action: 'anchor', args: { hash: randomBytes(32).toString('hex') }, signer: k.publicKey, nonce: n }, k.secretKey));
      }
    }
    const bodies: string[] = [];
    for (let i = 0; i < txs.length; i += 1000) bodies.push(JSON.stringify({ txs: txs.slice(i, i + 1000) }));
    const startHeight = node.height;
    let committedTxs = 0;
    let lastCommitAt = 0;
    const off = node.onCommit(({ block }) => {
      committedTxs += block.txs.length;
      lastCommitAt = now();
    });
    const t0 = now();
    await pool(bodies, 4, async (body) => {
      const r = await post(`${url}/v1/txs`, body);
      const rejected = r.results.filter((x: any) => x.status !== 'accepted');
      if (rejected.length) throw new Error(`rejected: ${JSON.stringify(rejected[0])}`);
    });
    while (committedTxs < txs.length) await new Promise((r) => setTimeout(r, 5));
    off();
    return { txsPerSecond: rate(committedTxs, lastCommitAt - t0), blocks: node.height - startHeight, txs: committedTxs };
  });
}

async function aggregatedThroughput(total: number): Promise<{
  hashesPerSecond: number;
  receiptsServedPerSecond: number;
  receiptsVerifiedPerSecond: number;
  receiptsVerifiedUncachedPerSecond: number;
  blocks: number;
}> {
  return withNode(async (url, node, genesis) => {
    const chunk = 50_000;
    const all = Array.from({ length: total }, () => randomBytes(32).toString('hex'));
    const bodies: string[] = [];
    for (let i = 0; i < all.length; i += chunk) bodies.push(JSON.stringify({ hashes: all.slice(i, i + chunk) }));
    const startHeight = node.height;
    let anchored = 0;
    let lastCommitAt = 0;
    const off = node.onCommit(({ block, results }) => {
      block.txs.forEach((tx, i) => {
        if (tx.body.action === 'anchorBatch' && results[i]?.code === 'OK') anchored += tx.body.args.count as number;
      });
      lastCommitAt = now();
    });
    const t0 = now();
    await pool(bodies, 2, async (body) => {
      await post(`${url}/v1/notary/batch`, body);
    });
    while (anchored < total) await new Promise((r) => setTimeout(r, 5));
    off();
    const anchorMs = lastCommitAt - t0;
    // Receipts are then available: fetch a sample of them from the node.
    const sample = all.filter((_, i) => i % Math.max(1, Math.floor(total / 20_000)) === 0).slice(0, 20_000);
    const receipts: Receipt[] = [];
    const t1 = now();
    for (let i = 0; i < sample.length; i += 1000) {
      const r = await post(`${url}/v1/notary/receipts`, JSON.stringify({ hashes: sample.slice(i, i + 1000) }));
      receipts.push(...r.receipts);
    }
    const servedPerSecond = rate(receipts.length, now() - t1);
    // Offline verification, as an auditor does: certificates cached per block.
    const cache = createReceiptCache();
    const t2 = now();
    for (const r of receipts) {
      const v = verifyReceipt(r, genesis, { documentHash: r.hash, cache });
      if (!v.ok) throw new Error(`receipt failed: ${v.reason}`);
    }
    const verifiedPerSecond = rate(receipts.length, now() - t2);
    const uncachedN = Math.min(receipts.length, 5_000);
    const t3 = now();
    for (let i = 0; i < uncachedN; i++) {
      const r = receipts[i]!;
      if (!verifyReceipt(r, genesis, { documentHash: r.hash }).ok) throw new Error('receipt failed');
    }
    const uncached = rate(uncachedN, now() - t3);
    return {
      hashesPerSecond: rate(total, anchorMs),
      receiptsServedPerSecond: servedPerSecond,
      receiptsVerifiedPerSecond: verifiedPerSecond,
      receiptsVerifiedUncachedPerSecond: uncached,
      blocks: node.height - startHeight,
    };
  });
}

async function main(): Promise<void> {
  const cores = availableParallelism();
  say(`Polity benchmark — ${cores} cores, Node ${process.version}${QUICK ? ' (quick sample)' : ''}`);
  say('');
  const verifyOne = ed25519OneCore(QUICK ? 5_000 : 30_000);
  const verifyAll = await ed25519AllCores(QUICK ? 5_000 : 30_000);
  const sha = sha256PerSecond(QUICK ? 200_000 : 2_000_000);
  say('machine ceilings (this run)');
  say(`  Ed25519 verify, one core            ${fmt(verifyOne).padStart(12)} /s`);
  say(`  Ed25519 verify, all ${cores} cores          ${fmt(verifyAll).padStart(12)} /s`);
  say(`  SHA-256 (33-byte inputs), one core  ${fmt(sha).padStart(12)} /s`);
  say('');

  const signed = ONLY === 'aggregate' ? { txsPerSecond: NaN, blocks: 0, txs: 0 } : await signedTxThroughput(QUICK ? 10_000 : 120_000);
  if (ONLY !== 'aggregate') {
    say('signed notary transactions, one node (HTTP -> verify workers -> mempool -> execute -> synced LevelDB)');
    say(`  committed                           ${fmt(signed.txsPerSecond).padStart(12)} tx/s   = ${ratio(signed.txsPerSecond, verifyAll)} of all-core Ed25519 verify (target >= 50%)`);
    say(`  (${fmt(signed.txs)} transactions in ${signed.blocks} blocks)`);
    say('');
  }

  const agg =
    ONLY === 'signed'
      ? { hashesPerSecond: NaN, receiptsServedPerSecond: NaN, receiptsVerifiedPerSecond: NaN, receiptsVerifiedUncachedPerSecond: NaN, blocks: 0 }
      : await aggregatedThroughput(QUICK ? 100_000 : 2_000_000);
  // A part left out with --only prints nothing (its figures are NaN in --json).
  if (ONLY !== 'signed') {
    say('aggregated anchoring (batch endpoint -> one RFC 9162 tree per block -> receipts)');
    say(`  anchored with receipts              ${fmt(agg.hashesPerSecond).padStart(12)} hashes/s  = ${ratio(agg.hashesPerSecond, sha)} of one-core SHA-256 (target >= 300,000/s)`);
    say(`  (${agg.blocks} blocks)`);
    say(`  receipts served by the node         ${fmt(agg.receiptsServedPerSecond).padStart(12)} /s`);
    say(`  receipts verified offline           ${fmt(agg.receiptsVerifiedPerSecond).padStart(12)} /s   = ${(agg.receiptsVerifiedPerSecond / verifyOne).toFixed(2)}x one-core Ed25519 verify (target >= 20,000/s; one verification session, proven nodes reused)`);
    say(`  ... fresh verifier per receipt         ${fmt(agg.receiptsVerifiedUncachedPerSecond).padStart(12)} /s   = ${ratio(agg.receiptsVerifiedUncachedPerSecond, verifyOne)} of one-core Ed25519 verify`);
  }

  if (JSON_OUT) {
    process.stdout.write(
      JSON.stringify({
        machine: { cores, node: process.version },
        ceilings: { ed25519VerifyOneCorePerSecond: verifyOne, ed25519VerifyAllCoresPerSecond: verifyAll, sha256PerSecond: sha },
        notarySignedTxsPerSecond: signed.txsPerSecond,
        notarySignedRatioToAllCoreVerify: signed.txsPerSecond / verifyAll,
        aggregatedHashesPerSecond: agg.hashesPerSecond,
        aggregatedRatioToSha256: agg.hashesPerSecond / sha,
        receiptsServedPerSecond: agg.receiptsServedPerSecond,
        receiptsVerifiedPerSecond: agg.receiptsVerifiedPerSecond,
        receiptsVerifiedUncachedPerSecond: agg.receiptsVerifiedUncachedPerSecond,
        receiptsVerifiedRatioToOneCoreVerify: agg.receiptsVerifiedPerSecond / verifyOne,
        quick: QUICK,
      }) + '\n',
    );
  }
}

await main();
