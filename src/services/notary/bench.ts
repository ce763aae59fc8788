/**
 * The notary's part of `npm run bench`:
 *
 *   signed     signed notary.anchor transactions committed/s on one node,
 *              through HTTP, signature checks, mempool, execution and synced
 *              storage, against all-core Ed25519 verification; and the
 *              main thread's CPU time per committed transaction, with the
 *              throughput it implies where cores are plenty (1e6 / that
 *              time): on a machine with few cores the tx/s figure measures
 *              the cores, this one measures the node's one serial thread;
 *              then the same transactions through the node's intake alone
 *              (parse, decode, hash, verify; no ledger), the ceiling the
 *              ledger's own work is read against
 *   latency    commit latency of `POST /v1/tx?wait=commit` on one node with
 *              the node's defaults (group commit): p50/p99 at concurrency 1
 *              and 200 in flight, and committed/s at 200, against all-core
 *              Ed25519 verification
 *   aggregate  document hashes anchored/s through the batch endpoint until
 *              every hash's receipt can be served, against one-core SHA-256
 *              (50,000 hashes a request, two in flight, from a client on its
 *              own thread, after one such request anchored to warm the
 *              node up); the main thread's CPU time per anchored hash;
 *              receipts served/s by the node; receipts verified/s offline,
 *              against one-core Ed25519 verification
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { generateKeyPair } from '../../crypto/ed25519.js';
import { signTx } from '../../ledger/sign.js';
import { createReceiptCache, verifyReceipt } from '../../ledger/receipt-verify.js';
import type { Receipt } from '../../ledger/receipt.js';
import { committedPerSecond, fmt, intakeAlonePerSecond, line, now, pool, post, rate, ratio, withDefaultNode, withNode, type BenchPart } from '../../../bench/part.js';
import type { SignedTx } from '../../ledger/transaction.js';

const signed: BenchPart = {
  name: 'signed',
  title: 'signed notary transactions, one node (HTTP -> verify workers -> mempool -> execute -> synced LevelDB)',
  run: async ({ quick, ceilings, say }) => {
    const { r, txs, chainId } = await withNode(async (url, t) => {
      const total = quick ? 10_000 : 120_000;
      const signerCount = 64;
      const keys = Array.from({ length: signerCount }, () => generateKeyPair());
      const chainId = t.genesis.chainId;
      const txs: SignedTx[] = [];
      for (let n = 0; n < Math.ceil(total / signerCount); n++) {
        for (const k of keys) {
          txs.push(signTx({ v: 1, chainId, module: 'notary', action: 'anchor', args: { hash: randomBytes(32).toString('hex') }, signer: k.publicKey, nonce: n }, k.secretKey));
        }
      }
      return { r: await committedPerSecond(url, t.node, txs), txs, chainId };
    });
    // The same transactions through the intake alone, once the node is gone: the ledger's work removed.
    const intakeAlone = await intakeAlonePerSecond(txs, chainId);
    const allCores = ceilings.ed25519VerifyAllCoresPerSecond;
    say(line('committed', r.txsPerSecond, 'tx/s', `= ${ratio(r.txsPerSecond, allCores)} of all-core Ed25519 verify, ${fmt(allCores)}/s this run (target >= 75%)`));
    say(`  (${txs.length.toLocaleString('en-US')} transactions in ${r.blocks} blocks)`);
    say(line('main thread CPU per committed tx', r.mainThreadCpuUsPerTx, 'us', '(process.threadCpuUsage over the window; target <= 40 us)'));
    say(line('implied with enough cores', r.impliedTxsPerSecond, 'tx/s', `= 1e6 / main-thread us per tx = ${ratio(r.impliedTxsPerSecond, allCores)} of this run's all-core Ed25519 verify`));
    // What the 75% target leaves the ledger: its CPU per transaction, over all cores, beyond the intake's.
    const cores = availableParallelism();
    const budgetUs = (cores * 1e6) / (0.75 * allCores) - (cores * 1e6) / intakeAlone;
    say(line('intake alone (no ledger)', intakeAlone, 'tx/s', `= ${ratio(intakeAlone, allCores)} of all-core Ed25519 verify (the same bodies parsed, decoded, hashed and verified; nothing else)`));
    const budget = budgetUs > 0 ? `would have ${budgetUs.toFixed(1)} us of CPU a transaction over all ${cores} cores` : 'would have no CPU at all: the intake alone is below it';
    say(`  at the 75% target, the ledger's own work (HTTP, mempool, execution, state, storage) ${budget}; committed is ${ratio(r.txsPerSecond, intakeAlone)} of intake alone`);
    return {
      notarySignedTxsPerSecond: r.txsPerSecond,
      notarySignedRatioToAllCoreVerify: r.txsPerSecond / allCores,
      notarySignedMainThreadCpuUsPerTx: r.mainThreadCpuUsPerTx,
      notarySignedImpliedTxsPerSecond: r.impliedTxsPerSecond,
      notaryIntakeAloneTxsPerSecond: intakeAlone,
      notaryIntakeAloneRatioToAllCoreVerify: intakeAlone / allCores,
    };
  },
};

const aggregate: BenchPart = {
  name: 'aggregate',
  title: 'aggregated anchoring (batch endpoint -> one RFC 9162 tree per block -> receipts)',
  run: async ({ quick, ceilings, say }) =>
    withNode(async (url, t) => {
      const total = quick ? 100_000 : 2_000_000;
      const chunk = 50_000;
      // The hashes as one buffer, not 2,000,000 strings: the client's data stays out of the node's heap
      // (a heap of millions of small strings made every full collection of the node mark them).
      const all = randomBytes(total * 32);
      const hashAt = (i: number): string => all.toString('hex', i * 32, i * 32 + 32);
      const bodies: string[] = [];
      for (let i = 0; i < total; i += chunk) bodies.push(JSON.stringify({ hashes: Array.from({ length: Math.min(chunk, total - i) }, (_, j) => hashAt(i + j)) }));
      let anchored = 0;
      let lastCommitAt = 0;
      let cpuAtLastCommit = { user: 0, system: 0 };
      const off = t.node.onCommit(({ block, results }) => {
        block.txs.forEach((tx, i) => {
          if (tx.body.action === 'anchorBatch' && results[i]?.code === 'OK') anchored += tx.body.args.count as number;
        });
        lastCommitAt = now();
        cpuAtLastCommit = process.threadCpuUsage();
      });
      // Warm-up, outside the window, as on a node that has been serving: one request's hashes anchored,
      // so the tree workers have started and the parser's and the index's code is compiled.
      const warm = randomBytes(chunk * 32);
      await post(`${url}/v1/notary/batch`, JSON.stringify({ hashes: Array.from({ length: chunk }, (_, i) => warm.toString('hex', i * 32, i * 32 + 32)) }));
      while (anchored < chunk) await new Promise((r) => setTimeout(r, 5));
      anchored = 0;
      const startHeight = t.node.height;
      // Two requests in flight, signed as `polity notarize` signs them, from the client's own thread
      // (as the signed part's): the main thread's figures are the node's alone.
      const client = new Worker(new URL('../../../bench/client-worker.js', import.meta.url), { workerData: { url: `${url}/v1/notary/batch`, bodies, concurrency: 2 } });
      bodies.length = 0;
      await once(client, 'online');
      const cpu0 = process.threadCpuUsage();
      const t0 = now();
      const [{ failure }] = (await once(client, 'message')) as [{ failure?: string }];
      await client.terminate();
      if (failure !== undefined) {
        off();
        throw new Error(failure);
      }
      while (anchored < total) await new Promise((r) => setTimeout(r, 5));
      off();
      const hashesPerSecond = rate(total, lastCommitAt - t0);
      const mainThreadCpuNsPerHash = Math.round(((cpuAtLastCommit.user - cpu0.user + cpuAtLastCommit.system - cpu0.system) * 1000) / total);
      const blocks = t.node.height - startHeight;
      // Receipts are then available: fetch a sample of them from the node.
      const step = Math.max(1, Math.floor(total / 20_000));
      const sample = Array.from({ length: Math.min(20_000, Math.ceil(total / step)) }, (_, k) => hashAt(k * step));
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
        const v = verifyReceipt(r, t.genesis, { documentHash: r.hash, cache });
        if (!v.ok) throw new Error(`receipt failed: ${v.reason}`);
      }
      const verifiedPerSecond = rate(receipts.length, now() - t2);
      const uncachedN = Math.min(receipts.length, 5_000);
      const t3 = now();
      for (let i = 0; i < uncachedN; i++) {
        const r = receipts[i]!;
        if (!verifyReceipt(r, t.genesis, { documentHash: r.hash }).ok) throw new Error('receipt failed');
      }
      const uncached = rate(uncachedN, now() - t3);
      const verifyOne = ceilings.ed25519VerifyOneCorePerSecond;
      say(line('anchored with receipts', hashesPerSecond, 'hashes/s', `= ${ratio(hashesPerSecond, ceilings.sha256PerSecond)} of one-core SHA-256 (target >= 500,000/s)`));
      say(`  (${blocks} blocks)`);
      say(line('main thread CPU per anchored hash', mainThreadCpuNsPerHash, 'ns', `(process.threadCpuUsage over the window; ${fmt(Math.round(1e9 / mainThreadCpuNsPerHash))}/s if that thread had a core of its own)`));
      say(line('receipts served by the node', servedPerSecond, '/s', ''));
      say(line('receipts verified offline', verifiedPerSecond, '/s', `= ${(verifiedPerSecond / verifyOne).toFixed(2)}x one-core Ed25519 verify (target >= 20,000/s; one verification session, proven nodes reused)`));
      say(line('... fresh verifier per receipt', uncached, '/s', `= ${ratio(uncached, verifyOne)} of one-core Ed25519 verify`));
      return {
        aggregatedHashesPerSecond: hashesPerSecond,
        aggregatedRatioToSha256: hashesPerSecond / ceilings.sha256PerSecond,
        aggregatedMainThreadCpuNsPerHash: mainThreadCpuNsPerHash,
        receiptsServedPerSecond: servedPerSecond,
        receiptsVerifiedPerSecond: verifiedPerSecond,
        receiptsVerifiedUncachedPerSecond: uncached,
        receiptsVerifiedRatioToOneCoreVerify: verifiedPerSecond / verifyOne,
      };
    }),
};

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;

const latency: BenchPart = {
  name: 'latency',
  title: 'commit latency, one node with the defaults (POST /v1/tx?wait=commit, closed loop)',
  run: async ({ quick, ceilings, say }) =>
    withDefaultNode(async (base, t) => {
      const url = `${base}/v1/tx?wait=commit`;
      const closedLoop = async (concurrency: number, total: number): Promise<{ p50: number; p99: number; perSecond: number }> => {
        const keys = Array.from({ length: concurrency }, () => ({ key: generateKeyPair(), nonce: 0 }));
        const times: number[] = [];
        const t0 = now();
        await pool(
          Array.from({ length: total }, (_, i) => i),
          concurrency,
          async (i) => {
            const k = keys[i % concurrency]!;
            const body = JSON.stringify(signTx({ v: 1, chainId: t.genesis.chainId, module: 'notary', action: 'anchor', args: { hash: randomBytes(32).toString('hex') }, signer: k.key.publicKey, nonce: k.nonce++ }, k.key.secretKey));
            const s0 = now();
            const r = await post(url, body);
            if (r.status !== 'committed') throw new Error(`not committed: ${JSON.stringify(r).slice(0, 200)}`);
            times.push(now() - s0);
          },
        );
        const ms = now() - t0;
        times.sort((a, b) => a - b);
        return { p50: percentile(times, 0.5), p99: percentile(times, 0.99), perSecond: rate(total, ms) };
      };
      const one = await closedLoop(1, quick ? 50 : 300);
      say(line('p50 at concurrency 1', Math.round(one.p50 * 10) / 10, 'ms', `p99 ${one.p99.toFixed(1)} ms; ${one.perSecond} committed/s`));
      const many = await closedLoop(200, quick ? 2_000 : 20_000);
      say(line('committed at concurrency 200', many.perSecond, 'tx/s', `p50 ${many.p50.toFixed(1)} ms, p99 ${many.p99.toFixed(1)} ms; = ${ratio(many.perSecond, ceilings.ed25519VerifyAllCoresPerSecond)} of all-core Ed25519 verify`));
      return { notaryLatencyP50C1Ms: one.p50, notaryLatencyP99C1Ms: one.p99, notaryCommittedPerSecondC200: many.perSecond, notaryLatencyP50C200Ms: many.p50, notaryLatencyP99C200Ms: many.p99 };
    }),
};

export const benches: BenchPart[] = [signed, latency, aggregate];
