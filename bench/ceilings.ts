/**
 * The machine's own ceilings, measured in the same run as each benchmark so
 * that every figure can be printed as a ratio that means the same thing on any
 * machine: Ed25519 verifications/s on one core and on all cores, and SHA-256
 * hashes/s on one core.
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import { hash as nodeHash, randomBytes } from 'node:crypto';
import { generateKeyPair, signBytes, verifyBytes } from '../src/crypto/ed25519.js';
import { utf8Encode } from '../src/crypto/bytes.js';

const MESSAGE = 'polity bench message of about the size of a tx id..';
const rate = (n: number, ms: number): number => Math.round((n / ms) * 1000);

/** Ed25519 verifications/s on one core (the same message and key, as a verifier of one signer sees). */
export function ed25519OneCore(n: number): number {
  const k = generateKeyPair();
  const msg = utf8Encode(MESSAGE);
  const sig = signBytes(k.secretKey, msg);
  verifyBytes(k.publicKey, msg, sig);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) if (!verifyBytes(k.publicKey, msg, sig)) throw new Error('verify failed');
  return rate(n, performance.now() - t0);
}

const WORKER_SRC = `
const { parentPort, workerData } = require('node:worker_threads');
const { generateKeyPairSync, sign, verify } = require('node:crypto');
const { publicKey, privateKey } = generateKeyPairSync('ed25519');
const msg = Buffer.from(${JSON.stringify(MESSAGE)});
const sig = sign(null, msg, privateKey);
parentPort.once('message', () => {
  for (let i = 0; i < workerData.n; i++) if (!verify(null, msg, publicKey, sig)) throw new Error('bad');
  parentPort.postMessage('done');
});
parentPort.postMessage('ready');
`;

/** Ed25519 verifications/s with one worker thread per core, all started together. */
export async function ed25519AllCores(nPerCore: number): Promise<number> {
  const workers = Array.from({ length: availableParallelism() }, () => new Worker(WORKER_SRC, { eval: true, workerData: { n: nPerCore } }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  const t0 = performance.now();
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((r) => {
          w.once('message', r);
          w.postMessage('go');
        }),
    ),
  );
  const ms = performance.now() - t0;
  await Promise.all(workers.map((w) => w.terminate()));
  return rate(nPerCore * workers.length, ms);
}

/** The machine's best one-core SHA-256 rate on 33-byte inputs (node:crypto one-shot, 'binary' output: the fastest form measured). */
export function sha256PerSecond(n: number): number {
  const buf = randomBytes(33);
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    buf[0] = i & 0xff;
    sink ^= nodeHash('sha256', buf, 'binary').charCodeAt(0);
  }
  const perSecond = rate(n, performance.now() - t0);
  return sink === -1 ? 0 : perSecond;
}
