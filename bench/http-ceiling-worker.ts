/**
 * The read ceiling of `npm run bench`, measured on a worker thread so its
 * garbage stays out of the main thread's heap (the parts measured after it
 * would otherwise pay for it in their collections): the HTTP framework
 * answering a trivial JSON route, injected in process as the parts' reads are.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Fastify from 'fastify';
import { readsPerSecond } from './part.js';

const app = Fastify({ logger: false });
app.get('/v1/trivial', async () => ({ ok: true, height: 1 }));
await app.ready();
const rate = await readsPerSecond(app, ['/v1/trivial'], (workerData as { n: number }).n);
await app.close();
parentPort!.postMessage(rate);
