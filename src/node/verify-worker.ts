/**
 * Worker thread of the signature-verification pool. Receives packed records
 * of (public key 32 B, transaction id 32 B, signature 64 B) and answers one
 * byte per record: 1 valid, 0 invalid. Keys are imported once and cached.
 */
import { parentPort } from 'node:worker_threads';
import { verifyBytes } from '../crypto/ed25519.js';
import { txSignMessage } from '../ledger/transaction.js';

export const RECORD_BYTES = 128;

parentPort?.on('message', (msg: { id: number; buffer: ArrayBuffer }) => {
  const data = new Uint8Array(msg.buffer);
  const n = data.length / RECORD_BYTES;
  const ok = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * RECORD_BYTES;
    const pub = data.subarray(at, at + 32);
    const id = data.subarray(at + 32, at + 64);
    const sig = data.subarray(at + 64, at + 128);
    ok[i] = verifyBytes(Buffer.from(pub).toString('hex'), txSignMessage(id), sig) ? 1 : 0;
  }
  parentPort!.postMessage({ id: msg.id, ok }, [ok.buffer]);
});
