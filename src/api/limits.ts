/**
 * What a request may cost (OWASP API4, Unrestricted Resource Consumption).
 *
 * Outside testing found four ways to make a node pay for nothing: lists of
 * blocks that read whole blocks (100 concurrent `GET /v1/blocks?limit=100`
 * over full blocks took a node from 556 MB to 1.48 GB; 800 to 16.6 GB), a
 * challenge route anyone could call thousands of times a second, and 24
 * concurrent notary batches of 100,000 hashes that held `/v1/status` for
 * 1-5 s. Three mechanisms bound that here, each answered in the API's
 * `{code, message}` shape with `Retry-After`:
 *
 * - **Per-client rate limits** (@fastify/rate-limit, keyed by the client's
 *   address): a general one on every route, and a tighter one on
 *   `POST /v1/auth/challenge` (spec/api-auth.md §5). `429 RATE_LIMITED`.
 *   Loopback clients are exempt from the general one by default: localnets,
 *   benchmarks and tests on the node's machine hammer it on purpose, and a
 *   client on the machine can do worse than send requests. They are not
 *   exempt from the challenge limit.
 * - **A gate for heavy reads**: routes that hold a whole block or many
 *   receipts in memory (`config: { cost: 'heavyRead' }`) run a few at a
 *   time; more wait in a short queue; beyond it `503 NODE_BUSY`. A slot is
 *   held until the answer has left the node (the response's `close`), so
 *   what is bounded is the memory a read holds, serialisation included.
 * - **A gate for large bodies**: a request whose body is over
 *   `largeBodyBytes` (or of unknown length) waits for a slot *before* its
 *   body is read, and holds it until answered: parsing, schema checks and
 *   hashing of big batches happen a few at a time, so cheap requests
 *   (`GET /v1/status`) are served between them, and the memory in flight
 *   is a few bodies, not as many as clients send.
 *
 * Cheap reads (status, state, headers) pass no gate: a flood of heavy work
 * cannot queue them. The defaults and the memory they bound are in
 * spec/api.md §"Limits".
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PolityError } from '../ledger/errors.js';
import type { TypedApp } from './route.js';

/** What a route costs beyond a cheap read: declared in its options as `config: { cost }`. */
export type RequestCost = 'heavyRead';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** A route that holds a whole block, many receipts or many transactions: it passes the heavy-read gate. */
    cost?: RequestCost;
  }
}

export interface ApiLimits {
  /** Requests one client address may make in `clientWindowMs`, every route. */
  clientRequestsMax: number;
  clientWindowMs: number;
  /** Loopback clients (127.0.0.0/8, ::1) are not counted by the general limit. */
  loopbackExempt: boolean;
  /** `POST /v1/auth/challenge` per client address per `clientWindowMs`, loopback included. */
  challengesMax: number;
  /** Heavy reads served at once, and waiting for a slot. */
  heavyReadsConcurrent: number;
  heavyReadsQueued: number;
  /** A body larger than this (or of unknown length) passes the large-body gate. */
  largeBodyBytes: number;
  /** Requests with large bodies served at once, and waiting for a slot. */
  largeBodiesConcurrent: number;
  largeBodiesQueued: number;
}

/**
 * Defaults. 3,000 requests per 10 s is 300/s from one address: more than any
 * person or integration needs, far below what would trouble the node. 60
 * challenges per 10 s lets a whole office behind one address log in. A
 * whole-block read holds about 14 times the block's encoded size (parsed
 * block and results, the serialised answer; measured: ~35 MiB for a block
 * of 6,000 anchors, 2.5 MB), so two reads of the largest block the chain
 * allows (16 MiB) hold ~450 MiB; two 8 MiB bodies with their parsed form,
 * ~100 MiB (spec/api.md §"Limits").
 */
export const DEFAULT_LIMITS: ApiLimits = {
  clientRequestsMax: 3_000,
  clientWindowMs: 10_000,
  loopbackExempt: true,
  challengesMax: 60,
  heavyReadsConcurrent: 2,
  heavyReadsQueued: 32,
  largeBodyBytes: 256 * 1024,
  largeBodiesConcurrent: 2,
  largeBodiesQueued: 8,
};

/** Seconds a client is told to wait when a gate's queue is full. */
const BUSY_RETRY_AFTER_SECONDS = 1;
/** Client addresses the rate limiter remembers (least recently seen forgotten first). */
const CLIENTS_TRACKED_MAX = 50_000;

export const isLoopback = (ip: string): boolean => ip === '::1' || ip.startsWith('127.') || ip.startsWith('::ffff:127.');

/** A counting semaphore with a bounded queue. */
export interface Gate {
  readonly active: number;
  readonly queued: number;
  /** Take a slot, waiting in the queue if need be; throws NODE_BUSY when the queue is full. Returns the release. */
  enter(): Promise<() => void>;
}

export function createGate(name: string, concurrent: number, queuedMax: number): Gate {
  let active = 0;
  const waiting: (() => void)[] = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return {
    get active() {
      return active;
    },
    get queued() {
      return waiting.length;
    },
    async enter() {
      if (active < concurrent) {
        active++;
      } else {
        if (waiting.length >= queuedMax) throw new PolityError('NODE_BUSY', `the node is serving as many ${name} as it may at once; retry shortly`);
        // The slot passes straight from the releasing request to this one: `active` stays.
        await new Promise<void>((resolve) => waiting.push(resolve));
      }
      let released = false;
      return () => {
        if (released) return;
        released = true;
        release();
      };
    },
  };
}

/** Hold a gate's slot for this request until its answer has left the node (or its client has gone). */
async function hold(gate: Gate, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  let release: () => void;
  try {
    release = await gate.enter();
  } catch (e) {
    reply.header('retry-after', String(BUSY_RETRY_AFTER_SECONDS));
    throw e;
  }
  if (reply.raw.writableFinished || request.raw.destroyed) {
    release();
    return;
  }
  reply.raw.once('close', release);
}

/**
 * Register the limits: call before any route is registered (they attach to
 * routes as they are added).
 */
export async function registerLimits(app: TypedApp, options: Partial<ApiLimits> = {}): Promise<{ heavyReads: Gate; largeBodies: Gate }> {
  const limits = { ...DEFAULT_LIMITS, ...options };
  const heavyReads = createGate('heavy reads (whole blocks, receipts)', limits.heavyReadsConcurrent, limits.heavyReadsQueued);
  const largeBodies = createGate('large request bodies', limits.largeBodiesConcurrent, limits.largeBodiesQueued);

  // Before the rate-limit plugin's own onRoute hook, so the challenge route's limit is in its
  // config when the plugin reads it; the gates attach after the plugin's hook, so a client over its
  // rate is refused before it takes a place in a queue.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (route.url === '/v1/auth/challenge' && methods.includes('POST')) {
      route.config = { ...route.config, rateLimit: { max: limits.challengesMax, timeWindow: limits.clientWindowMs, allowList: () => false } } as typeof route.config;
    }
  });
  await app.register(rateLimit, {
    global: true,
    max: limits.clientRequestsMax,
    timeWindow: limits.clientWindowMs,
    allowList: (request) => limits.loopbackExempt && isLoopback(request.ip),
    cache: CLIENTS_TRACKED_MAX,
    errorResponseBuilder: (_request, context) => new PolityError('RATE_LIMITED', `more than ${context.max} requests from this address in ${Math.round(limits.clientWindowMs / 1000)} s; retry in ${context.after}`),
  });
  app.addHook('onRoute', (route) => {
    const gates: ((request: FastifyRequest, reply: FastifyReply) => Promise<void>)[] = [];
    if (route.config?.cost === 'heavyRead') gates.push((request, reply) => hold(heavyReads, request, reply));
    gates.push(async (request, reply) => {
      if (!hasLargeBody(request, limits.largeBodyBytes)) return;
      await hold(largeBodies, request, reply);
    });
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [...existing, ...gates] as typeof route.onRequest;
  });
  return { heavyReads, largeBodies };
}

/** A body over the limit, or one whose length is not declared (chunked). */
function hasLargeBody(request: FastifyRequest, largeBodyBytes: number): boolean {
  const length = request.headers['content-length'];
  if (length !== undefined) return Number(length) > largeBodyBytes;
  return request.headers['transfer-encoding'] !== undefined;
}
