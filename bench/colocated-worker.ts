/**
 * One of the four processes of the co-located ceiling (bench/localnet.ts):
 * decode, verify and store every transaction of a file, in synced LevelDB
 * batches of 500 — the least a validator does with each transaction. Prints
 * {ready, done} as wall-clock ms (performance.timeOrigin-based) for the parent.
 */
import { readFileSync } from 'node:fs';
import { ClassicLevel } from 'classic-level';
import { verifyBytes } from '../src/crypto/ed25519.js';
import { decodeTx, txSignMessage } from '../src/ledger/transaction.js';

const [file, dir] = process.argv.slice(2) as [string, string];
const txs = JSON.parse(readFileSync(file, 'utf8')) as unknown[];
const db = new ClassicLevel<string, string>(dir);
await db.open();
const wall = (): number => performance.timeOrigin + performance.now();
const ready = wall();
let batch = db.batch();
for (let i = 0; i < txs.length; i++) {
  const d = decodeTx(txs[i]);
  if (!verifyBytes(d.tx.body.signer, txSignMessage(d.idBytes), d.tx.sig)) throw new Error('bad signature');
  batch.put(`t/${d.id}`, JSON.stringify(d.tx));
  if (batch.length >= 500 || i === txs.length - 1) {
    await batch.write({ sync: true });
    batch = db.batch();
  }
}
const done = wall();
await db.close();
process.stdout.write(JSON.stringify({ ready, done }));
