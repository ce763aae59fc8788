/**
 * The bench's HTTP client on its own thread: it POSTs prepared bodies to the
 * node (`concurrency` requests in flight), each signed with RFC 9421 as
 * `polity notarize` signs them, and reports the first refusal it saw.
 *
 * Why a thread: the node under test runs in the bench's process, and the
 * bench reports the main thread's CPU time per committed transaction. A
 * client on that thread would add its own fetch and signing work to the
 * node's figure.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { generateKeyPair } from '../src/crypto/ed25519.js';
import { signRequest } from '../src/sdk/http-auth.js';

const { url, bodies, concurrency } = workerData as { url: string; bodies: string[]; concurrency: number };
const requester = generateKeyPair();

async function postOne(body: string): Promise<string | undefined> {
  const headers = { 'content-type': 'application/json' };
  const res = await fetch(url, { method: 'POST', headers: { ...headers, ...signRequest({ method: 'POST', url, headers, body, keyId: requester.publicKey, secretKey: requester.secretKey }) }, body });
  const data = (await res.json()) as { results?: { status: string }[] };
  if (res.status >= 400) return `${res.status} ${JSON.stringify(data).slice(0, 300)}`;
  const rejected = (data.results ?? []).find((x) => x.status !== 'accepted');
  return rejected ? `rejected: ${JSON.stringify(rejected)}` : undefined;
}

let next = 0;
let failure: string | undefined;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < bodies.length && failure === undefined) failure = (await postOne(bodies[next++]!)) ?? failure;
  }),
);
parentPort!.postMessage({ failure });
