/**
 * Worker thread that builds one aligned chunk of an aggregation tree: it
 * receives document hashes (32 bytes each), computes the RFC 9162 leaf
 * hashes SHA-256(0x00 || d) and then `levelsMax` levels above them (odd last
 * nodes promoted), and hands every level back as a transferable buffer.
 */
import { parentPort } from 'node:worker_threads';
import { nextLevel } from '../../../crypto/merkle.js';
import { sha256Into } from '../../../crypto/sha256.js';

parentPort?.on('message', (msg: { id: number; leaves: ArrayBuffer; levelsMax: number }) => {
  const docs = new Uint8Array(msg.leaves);
  const n = docs.length / 32;
  // Leaf inputs 0x00 || d laid out back to back, hashed in place (no allocation per leaf).
  const input = new Uint8Array(n * 33);
  for (let i = 0; i < n; i++) input.set(docs.subarray(i * 32, i * 32 + 32), i * 33 + 1);
  let level: Uint8Array = new Uint8Array(n * 32);
  for (let i = 0; i < n; i++) sha256Into(input.subarray(i * 33, i * 33 + 33), level, i * 32);
  const levels: Uint8Array[] = [level];
  for (let l = 0; l < msg.levelsMax && level.length > 32; l++) {
    level = nextLevel(level);
    levels.push(level);
  }
  const buffers = levels.map((l) => l.buffer as ArrayBuffer);
  parentPort!.postMessage({ id: msg.id, levels: buffers }, buffers);
});
