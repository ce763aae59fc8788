/**
 * Start-up cost over a store of realistic size: `node dist/bench/startup.js`.
 *
 * Why: a node's start-up check must not grow with the whole store
 * (spec/storage.md §8.3). This program builds a one-node chain once — many
 * small blocks of signed anchors, then notary aggregation batches whose
 * leaves fill the store to `--mb` megabytes — and then times, a few times
 * each, opening the node on it (what `polity start` does before it
 * answers) and the full readability scan (`polity check`). It prints
 * figures; it asserts nothing.
 *
 *   node dist/bench/startup.js [--data DIR] [--mb 300] [--blocks 3000] [--runs 3]
 *
 * The data directory is kept (default /tmp/polity-startup-bench) so that a
 * second run, on other code, measures the same store.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { signTx } from '../src/ledger/sign.js';
import { exists, initDataDir, loadDataDir } from '../src/node/data-dir.js';
import { createLogger } from '../src/node/log.js';
import { createNode, type PolityNode } from '../src/node/node.js';
import { SERVICES } from '../src/services/index.js';
import type { NotaryHost } from '../src/services/notary/host.js';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: '/tmp/polity-startup-bench' },
    mb: { type: 'string', default: '300' },
    blocks: { type: 'string', default: '3000' },
    runs: { type: 'string', default: '3' },
  },
});
const dir = values.data!;
const targetBytes = Number(values.mb) * 1024 * 1024;
const blocksWanted = Number(values.blocks);
const runs = Number(values.runs);
/** Hashes per aggregation batch while filling (the leaves stored with one block). */
const BATCH_HASHES = 200_000;
const TXS_PER_BLOCK = 8;

async function dirBytes(path: string): Promise<number> {
  let total = 0;
  for (const f of await readdir(path)) total += (await stat(join(path, f))).size;
  return total;
}

const open = async (): Promise<PolityNode> => {
  const data = await loadDataDir(dir);
  return createNode({ dataDir: dir, genesis: data.genesis, nodeSecretKey: data.nodeKey.secretKey, services: SERVICES, log: createLogger('silent'), blockIntervalMs: 20, verifyWorkers: 1 });
};

const waitHeight = async (node: PolityNode, height: number): Promise<void> => {
  while (node.height < height) await new Promise((r) => setTimeout(r, 5));
};

async function build(): Promise<void> {
  const created = await initDataDir(dir);
  const node = await open();
  await node.start();
  const key = generateKeyPair();
  let nonce = 0;
  const t0 = performance.now();
  // Many small blocks: what the link check walks.
  while (node.height < blocksWanted) {
    const txs = Array.from({ length: TXS_PER_BLOCK }, () =>
      signTx({ v: 1, chainId: created.genesis.chainId, module: 'notary', action: 'anchor', args: { hash: randomBytes(32).toString('hex') }, signer: key.publicKey, nonce: nonce++ }, key.secretKey),
    );
    const target = node.height + 1;
    await node.submitTxs(txs);
    await waitHeight(node, target);
    while (node.nextNonce(key.publicKey) < nonce) await new Promise((r) => setTimeout(r, 5));
    if (node.height % 500 === 0) console.log(`  ${node.height} blocks…`);
  }
  // Aggregation batches: what makes the store large (their leaves are stored with the block).
  const notary = node.host<NotaryHost>('notary')!;
  while ((await dirBytes(join(dir, 'chain'))) < targetBytes) {
    const hashes = Array.from({ length: BATCH_HASHES }, () => randomBytes(32).toString('hex'));
    const at = node.height;
    await notary.submitHashes(hashes);
    // The host seals the batch, then contributes it to the next block.
    await waitHeight(node, at + 1);
    while (notary.pendingWork!() > 0) await new Promise((r) => setTimeout(r, 5));
    console.log(`  height ${node.height}, chain/ ${((await dirBytes(join(dir, 'chain'))) / 2 ** 20).toFixed(0)} MB`);
  }
  await node.close();
  console.log(`built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

if (!(await exists(join(dir, 'genesis.json')))) {
  console.log(`building a store of ${values.mb} MB with ${blocksWanted}+ blocks in ${dir}…`);
  await build();
}
const chainBytes = await dirBytes(join(dir, 'chain'));
let height = 0;
const startMs: number[] = [];
for (let i = 0; i < runs; i++) {
  const t = performance.now();
  const node = await open();
  startMs.push(performance.now() - t);
  height = node.height;
  await node.close();
}
console.log(`store: ${dir}/chain, ${(chainBytes / 2 ** 20).toFixed(0)} MB, ${height} blocks`);
console.log(`node start-up (createNode: open, checks, state load), ${runs} runs: ${startMs.map((ms) => ms.toFixed(0)).join(', ')} ms`);
// The full scan, where this code has one (polity check): timed by its own program when present.
try {
  const { checkDataDir } = (await import('../src/node/store-check.js' as string)) as { checkDataDir?: (dir: string, services: typeof SERVICES) => Promise<{ ok: boolean; bytes: number }> };
  if (checkDataDir) {
    const t = performance.now();
    const result = await checkDataDir(dir, SERVICES);
    console.log(`full scan (polity check): ${(performance.now() - t).toFixed(0)} ms, ${(result.bytes / 2 ** 20).toFixed(0)} MB read, ${result.ok ? 'intact' : 'DAMAGED'}`);
  }
} catch {
  // no full scan in this version of the code: start-up did it
}
