/**
 * Worker thread of the signature-verification pool. Receives packed records
 * of (public key 32 B, transaction id 32 B, signature 64 B) and answers one
 * byte per record: 1 valid, 0 invalid. Keys are imported once and cached.
 *
 * A batch marked `raw` holds signatures over arbitrary messages (a
 * credential's proof, a JWS): records of (message length u32 big-endian,
 * public key 32 B, signature 64 B, message), checked over the message as is.
 *
 * A message with `intake` carries submitted values to decode, hash and
 * verify (tx-intake.ts); the packed answer goes back with its buffers
 * transferred.
 */
import { parentPort } from 'node:worker_threads';
import { verifyBytes } from '../crypto/ed25519.js';
import { txSignMessage } from '../ledger/transaction.js';
import { intakeBatch } from './tx-intake.js';

export const RECORD_BYTES = 128;

function verifyRaw(data: Uint8Array): Uint8Array<ArrayBuffer> {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const ok: number[] = [];
  for (let at = 0; at < data.length; ) {
    const length = view.getUint32(at);
    const pub = data.subarray(at + 4, at + 36);
    const sig = data.subarray(at + 36, at + 100);
    ok.push(verifyBytes(pub, data.subarray(at + 100, at + 100 + length), sig) ? 1 : 0);
    at += 100 + length;
  }
  return Uint8Array.from(ok);
}

parentPort?.on('message', (msg: { id: number; buffer: ArrayBuffer; raw?: boolean; intake?: { values: unknown[]; chainId: string | null } }) => {
  if (msg.intake) {
    const batch = intakeBatch(msg.intake.values, msg.intake.chainId);
    parentPort!.postMessage({ id: msg.id, intake: batch }, [batch.status.buffer, batch.sizes.buffer, batch.idBytes.buffer]);
    return;
  }
  const data = new Uint8Array(msg.buffer);
  if (msg.raw) {
    const ok = verifyRaw(data);
    parentPort!.postMessage({ id: msg.id, ok }, [ok.buffer]);
    return;
  }
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
