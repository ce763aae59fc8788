/**
 * The presentation requests a node holds for its verifying officials
 * (OpenID4VP, spec/services/credentials.md §11): bounded in number, per
 * official and in time, and answered at most once.
 *
 * A request is filed with its signed request object; it is found by its id
 * (the request_uri the wallet fetches) and by its state (the direct_post
 * response). The first response consumes it, whatever its outcome: a
 * replayed or second response finds it answered, so a presentation is
 * never checked twice and the nonce is single use. The outcome stays for
 * the official to read until the request's retention ends.
 *
 * Pure: time comes in as `nowMs` on each call; ids are given by the caller.
 */
import type { PresentationAsk } from './oid4vp.js';

export const REQUESTS_MAX = 1000;
export const REQUESTS_PER_OFFICIAL_MAX = 50;
/** How long the outcome of a request stays readable after it closes. */
export const RESULT_RETENTION_MS = 15 * 60_000;

export type RequestStatus = 'pending' | 'verified' | 'refused' | 'expired';

export interface RequestOutcome {
  verified: boolean;
  code?: string;
  message?: string;
  /** What the presentation proved, when verified: the issuance, and the disclosed claims (for the official only; never on the chain). */
  credentialType?: string;
  issuer?: { org: string; did: string; height: number };
  claims?: Record<string, unknown>;
  holder?: string;
  /** Whether a usage-log entry was queued for the chain, and its tag. */
  usageLogged: boolean;
  usageTag?: string;
  /** The height of the chain state the presentation was judged against (the verifying node's head when it answered). */
  height: number;
  answeredMs: number;
}

export interface VerifierRequest {
  id: string;
  state: string;
  nonce: string;
  clientId: string;
  /** The official's key and organisation. */
  official: string;
  org: string;
  ask: PresentationAsk;
  requestObject: string;
  createdMs: number;
  expiresMs: number;
  outcome?: RequestOutcome;
}

export interface RequestStore {
  /** File a request; a reason when it cannot be taken. */
  add(r: VerifierRequest, nowMs: number): string | undefined;
  get(id: string, nowMs: number): VerifierRequest | undefined;
  /** The pending request with this state, taken for answering (single use): `pending`, or why not. */
  take(state: string, nowMs: number): { request: VerifierRequest } | { why: 'unknown' | 'answered' | 'expired'; request?: VerifierRequest };
  /** Record the outcome of a taken request. */
  settle(id: string, outcome: RequestOutcome): void;
  statusOf(r: VerifierRequest, nowMs: number): RequestStatus;
  size(): number;
}

export function createRequestStore(limits: { max?: number; perOfficialMax?: number } = {}): RequestStore {
  const max = limits.max ?? REQUESTS_MAX;
  const perOfficialMax = limits.perOfficialMax ?? REQUESTS_PER_OFFICIAL_MAX;
  const byId = new Map<string, VerifierRequest>();
  const byState = new Map<string, string>();
  /** States and nonces seen, until their request is dropped: never reused. */
  const nonces = new Set<string>();
  /** Requests being answered (taken, not yet settled). */
  const taken = new Set<string>();

  const drop = (r: VerifierRequest): void => {
    byId.delete(r.id);
    byState.delete(r.state);
    nonces.delete(r.nonce);
    taken.delete(r.id);
  };
  /** Forget requests whose retention ended (Map order is insertion order, so the oldest come first). */
  const sweep = (nowMs: number): void => {
    for (const r of byId.values()) {
      const closedMs = r.outcome?.answeredMs ?? r.expiresMs;
      if (closedMs + RESULT_RETENTION_MS > nowMs && r.createdMs + 2 * RESULT_RETENTION_MS > nowMs) break;
      drop(r);
    }
  };
  const statusOf = (r: VerifierRequest, nowMs: number): RequestStatus => (r.outcome ? (r.outcome.verified ? 'verified' : 'refused') : nowMs >= r.expiresMs ? 'expired' : 'pending');

  return {
    add(r, nowMs) {
      sweep(nowMs);
      if (byId.size >= max) return `this node holds ${max} requests; try again when some have closed`;
      let mine = 0;
      for (const x of byId.values()) if (x.official === r.official && statusOf(x, nowMs) === 'pending') mine++;
      if (mine >= perOfficialMax) return `at most ${perOfficialMax} open requests per official`;
      if (byId.has(r.id) || byState.has(r.state) || nonces.has(r.nonce) || nonces.has(r.state)) return 'the state or nonce was used already; use fresh random values';
      byId.set(r.id, r);
      byState.set(r.state, r.id);
      nonces.add(r.nonce);
      return undefined;
    },
    get(id, nowMs) {
      sweep(nowMs);
      return byId.get(id);
    },
    take(state, nowMs) {
      const id = byState.get(state);
      const r = id === undefined ? undefined : byId.get(id);
      if (!r) return { why: 'unknown' };
      if (r.outcome || taken.has(r.id)) return { why: 'answered', request: r };
      if (nowMs >= r.expiresMs) return { why: 'expired', request: r };
      taken.add(r.id);
      return { request: r };
    },
    settle(id, outcome) {
      const r = byId.get(id);
      if (!r) return;
      r.outcome = outcome;
      taken.delete(id);
    },
    statusOf,
    size: () => byId.size,
  };
}
