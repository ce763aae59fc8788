/**
 * The issuing desk: a node that holds one issuing official's key and issues
 * credentials for callers who cannot sign transactions themselves — the W3C
 * VC API (`POST /credentials/issue`, `/credentials/status`), OpenID4VCI's
 * credential endpoint (a holder's wallet), and an organisation's own
 * applications with a machine token (spec/services/credentials.md §10).
 *
 * It does exactly what `polity credential issue` does (issuer.ts): pick the
 * status slot the chain will accept for the key's next nonce, build the
 * credential, check its claims against the type's schema, sign it, send
 * `credentials.issue` with that key and nonce, and hand the credential out
 * only once the transaction is committed with OK. A credential whose record
 * did not commit is never handed out.
 *
 * Why one queue: every transaction of the key takes the next nonce, and the
 * status index depends on the nonce, so the desk is the only sender of its
 * key (a key used by a person and a desk at once races for nonces; the
 * loser's request fails with a retryable code, nothing inconsistent is
 * recorded). Requests wait in one bounded queue; a round takes up to
 * `batchMax` of them, gives them consecutive nonces and slots that differ
 * from each other, submits them one by one (a rejection leaves no nonce
 * gap: the rest wait for the next round), and waits until each is
 * committed. One round per block: throughput is `batchMax` per block.
 *
 * Bounded: `queueMax` requests waiting (then CREDENTIALS_DESK_BUSY), and
 * each caller at most `callerRequestsMax` per `callerWindowMs` (then
 * RATE_LIMITED), counted in a table of at most `callersMax` callers.
 *
 * Which chain type: the request's (`credentialType`); a VC API request
 * names its own types, and `chainTypeOf` finds the one type of the chain
 * among them, or gives the operator's default type (`defaultType`), which
 * the credential then names too — verification requires a credential to
 * name the type it is recorded as.
 *
 * Pure by the layering rule: the node, the clock and the ids come in as
 * `DeskDeps`, so the desk runs the same in the API, a benchmark and a test
 * with a fake chain. Nothing here logs; claims never leave the credential.
 */
import { didKeyFromPublicKey, multikeyEncode } from '../../crypto/multikey.js';
import type { Json } from '../../crypto/canonical-json.js';
import { PolityError } from '../../ledger/errors.js';
import { signTx } from '../../ledger/sign.js';
import type { SignedTx } from '../../ledger/transaction.js';
import { callerOf } from '../../runtime/membership.js';
import { xmlDateTime, parseDateTime } from '../did/method.js';
import { buildCredential, credentialHash, CREDENTIAL_BYTES_MAX } from './credential.js';
import { signDocument, type JsonObject } from './data-integrity.js';
import { getRecord, orgLists, REASONS, usedKey, type CredentialStatus, type IssueArgs } from './module.js';
import { getType, issuerTrustAt, TYPE_NAME_RE, type Get } from './registry.js';
import { bitOf, LIST_CAPACITY, LISTS_MAX, locate, PROBES_MAX, statusIndexOf } from './status-list.js';
import { signVcJwt, vcJwtHash } from './vc-jwt.js';
import { sdJwtOf } from './issuer.js';
import { sdJwtHash } from './sd-jwt.js';
import { canonicalJson } from '../../crypto/canonical-json.js';

/** Requests waiting at most. */
export const DESK_QUEUE_MAX = 1_024;
/** Transactions one round sends (about one block's worth for the desk's key). */
export const DESK_BATCH_MAX = 256;
/** Requests one caller may make per window. */
export const DESK_CALLER_REQUESTS_MAX = 600;
export const DESK_CALLER_WINDOW_MS = 60_000;
/** Callers counted at once; beyond it the oldest windows are forgotten first. */
export const DESK_CALLERS_MAX = 10_000;

/** How a credential is secured: Data Integrity, a vc+jwt, or an SD-JWT VC (OpenID4VCI's `dc+sd-jwt`). */
export type DeskFormat = 'data-integrity' | 'jwt' | (string & {});

/** What a securer gets: the unsigned credential, the key and its verification method, and the holder's key when the credential is bound to one. */
export interface SecureInput {
  unsigned: JsonObject;
  verificationMethod: string;
  secretKey: string;
  /** XML Schema date-time the proof is made at. */
  created: string;
  holder?: DeskHolder;
  /** The node's public base URL (an SD-JWT VC's `vct` is the type's URL there). */
  baseUrl: string;
  /** Randomness for an SD-JWT's salts. */
  randomBytes(n: number): Uint8Array;
}
/** Secures an unsigned credential: what the holder receives, and the hash the chain records for it. */
export type Securer = (input: SecureInput) => { credential: JsonObject | string; hash: string };

export const BUILT_IN_SECURERS: Readonly<Record<string, Securer>> = {
  'data-integrity': ({ unsigned, verificationMethod, secretKey, created }) => {
    const credential = signDocument(unsigned, { verificationMethod, created, secretKey });
    return { credential, hash: credentialHash(credential) };
  },
  jwt: ({ unsigned, verificationMethod, secretKey }) => {
    const credential = signVcJwt(unsigned, { kid: verificationMethod, secretKey });
    return { credential, hash: vcJwtHash(credential) };
  },
  // Bound to the holder key that proved possession (cnf.jwk), or else to the subject's DID (issuer.ts cnfOf).
  'sd-jwt': ({ unsigned, verificationMethod, secretKey, created, holder, baseUrl, randomBytes }) => {
    const credential = sdJwtOf({ unsigned, kid: verificationMethod, secretKey, created, baseUrl, randomBytes, ...(holder ? { holderKey: holder.publicKey } : {}) });
    return { credential, hash: sdJwtHash(credential) };
  },
};

/** The holder a credential is bound to (OpenID4VCI proof of possession): its did:key and Ed25519 public key. */
export interface DeskHolder {
  did: string;
  publicKey: string;
}

export interface DeskIssueRequest {
  credentialType: string;
  /** The claims: the credentialSubject (its `id` is set to the holder's DID when `holder` is given). */
  subject: JsonObject;
  format?: DeskFormat;
  /** XML Schema date-times; validFrom defaults to the time of signing. */
  validFrom?: string;
  validUntil?: string;
  holder?: DeskHolder;
  /** The credential's id (a URI); a fresh urn:uuid: by default. */
  id?: string;
  /** The whole `type` list as the caller gave it (VC API), including "VerifiableCredential" and `credentialType`; default ["VerifiableCredential", credentialType]. */
  types?: string[];
  /** `@context` entries after the VC 2.0 one. */
  contexts?: Json[];
  /** The issuer's name and description (the issuer object form). */
  issuerDetails?: { name?: Json; description?: Json };
  /** Optional VC 2.0 members signed in as given (credential.ts OPTIONAL_MEMBERS). */
  members?: JsonObject;
}

export interface DeskIssued {
  /** What the holder receives: a JSON object (data-integrity) or a compact string (jwt, and the forms securers add). */
  credential: JsonObject | string;
  hash: string;
  credentialType: string;
  org: string;
  issuer: string;
  list: number;
  index: number;
  height: number;
  txId: string;
}

export interface DeskStatusRequest {
  hash: string;
  status: CredentialStatus;
  reason?: (typeof REASONS)[number];
}

export interface DeskStatusChanged {
  hash: string;
  status: CredentialStatus;
  height: number;
  txId: string;
}

/** What the desk needs from the node: its committed state, admission and commit notifications, time and ids. */
export interface DeskDeps {
  chainId: string;
  /** Committed state at the head. */
  get: Get;
  /** The next nonce the committed chain expects from a signer. */
  nextNonce(signer: string): number;
  /** Admission of one signed transaction. */
  submit(tx: SignedTx): Promise<{ ok: true; txId: string } | { ok: false; code: string; message: string }>;
  /** Resolves once the transaction is committed (its result), or `undefined` when it was not within the node's wait. */
  committed(txId: string): Promise<{ height: number; code: string; message?: string } | undefined>;
  /** ms since the epoch. */
  now(): number;
  /** A fresh credential id, `urn:uuid:…`. */
  newId(): string;
  /** Random bytes (an SD-JWT's salts). */
  randomBytes(n: number): Uint8Array;
  /** The claims problem against a JSON Schema (claims.ts), or undefined. */
  claimsProblem(schema: Record<string, unknown>, subject: unknown): string | undefined;
}

export interface DeskOptions {
  key: { publicKey: string; secretKey: string };
  /** The issuer DID written into credentials: the key's did:key by default, or a did:polity whose key in force it is. */
  issuer?: string;
  /** The node's public base URL: status list URLs in credentials. */
  statusBaseUrl: string;
  queueMax?: number;
  batchMax?: number;
  callerRequestsMax?: number;
  callerWindowMs?: number;
  callersMax?: number;
  /** More ways to secure a credential, by format name (the built-ins stay). */
  securers?: Readonly<Record<string, Securer>>;
  /** The chain type a VC API request that names none is issued as (`--issuing-default-type`): the desk is one department's endpoint for one kind of credential. */
  defaultType?: string;
}

export interface DeskStats {
  queued: number;
  issued: number;
  statusChanges: number;
  failed: number;
}

export interface Desk {
  /** The key's public key, and the issuer DID credentials carry. */
  readonly publicKey: string;
  readonly issuer: string;
  /** The organisation the key is an issuer of now, or undefined (not an official with the role issuer). */
  org(): string | undefined;
  /** Formats the desk can secure a credential in. */
  formats(): string[];
  /** May the key `publicKey` use the desk: an admin or an official with the role issuer of the desk's organisation. */
  mayUse(publicKey: string): boolean;
  /** Count a request of `caller` against its rate; throws RATE_LIMITED over it. */
  admit(caller: string): void;
  /**
   * The chain type a credential with these `types` is issued and recorded as:
   * the one type of the chain among them, or else the desk's default type
   * (added to the list). Throws CREDENTIALS_MALFORMED when they name two
   * types of the chain, CREDENTIALS_TYPE_UNKNOWN when none and the desk has
   * no default.
   */
  chainTypeOf(types: readonly string[]): { credentialType: string; types: string[] };
  /** Check an issue request before queueing it: throws the code the chain would give (type unknown, untrusted, claims). */
  precheck(request: DeskIssueRequest): void;
  issue(request: DeskIssueRequest): Promise<DeskIssued>;
  setStatus(request: DeskStatusRequest): Promise<DeskStatusChanged>;
  stats(): DeskStats;
}

type Job =
  | { kind: 'issue'; request: DeskIssueRequest; resolve(v: DeskIssued): void; reject(e: unknown): void }
  | { kind: 'status'; request: DeskStatusRequest; resolve(v: DeskStatusChanged): void; reject(e: unknown): void };

/** A job's transaction in a round, and what to hand out when it commits. */
interface Sent {
  job: Job;
  txId: string;
  issued?: Omit<DeskIssued, 'height' | 'txId'>;
}

export function createDesk(options: DeskOptions, deps: DeskDeps): Desk {
  const { key } = options;
  const queueMax = options.queueMax ?? DESK_QUEUE_MAX;
  const batchMax = options.batchMax ?? DESK_BATCH_MAX;
  const callerRequestsMax = options.callerRequestsMax ?? DESK_CALLER_REQUESTS_MAX;
  const callerWindowMs = options.callerWindowMs ?? DESK_CALLER_WINDOW_MS;
  const callersMax = options.callersMax ?? DESK_CALLERS_MAX;
  const securers: Record<string, Securer> = { ...BUILT_IN_SECURERS, ...options.securers };
  const issuer = options.issuer ?? didKeyFromPublicKey(key.publicKey);
  const verificationMethod = `${issuer}#${multikeyEncode(key.publicKey)}`;
  const queue: Job[] = [];
  const windows = new Map<string, { startMs: number; count: number }>();
  const stats: DeskStats = { queued: 0, issued: 0, statusChanges: 0, failed: 0 };
  let running = false;

  const org = (): string | undefined => {
    const c = callerOf(deps.get, key.publicKey);
    return c.org !== undefined && c.roles.includes('issuer') ? c.org : undefined;
  };
  const requireOrg = (): string => {
    const o = org();
    if (!o) throw new PolityError('CREDENTIALS_DESK_OFF', "the desk's key is not an official with the role issuer of an active organisation");
    return o;
  };

  function precheck(r: DeskIssueRequest): void {
    const o = requireOrg();
    if (!TYPE_NAME_RE.test(r.credentialType)) throw new PolityError('CREDENTIALS_TYPE_UNKNOWN', 'the credential type is not a type name');
    const type = getType(deps.get, r.credentialType);
    if (!type || type.retiredAt) throw new PolityError('CREDENTIALS_TYPE_UNKNOWN', `no credential type ${r.credentialType} (or it was retired)`);
    const trust = issuerTrustAt(deps.get, r.credentialType, o, { height: Number.MAX_SAFE_INTEGER, txIndex: 0 });
    if (!trust.trusted) throw new PolityError('CREDENTIALS_ISSUER_UNTRUSTED', trust.reason);
    const format = r.format ?? 'data-integrity';
    if (!Object.hasOwn(securers, format)) throw new PolityError('CREDENTIALS_INVALID', `this desk secures credentials as ${Object.keys(securers).join(', ')}, not ${String(format).slice(0, 32)}`);
    for (const [name, value] of [['validFrom', r.validFrom], ['validUntil', r.validUntil]] as const) {
      if (value !== undefined && parseDateTime(value) === undefined) throw new PolityError('CREDENTIALS_INVALID', `${name}: expected an XML Schema date-time with a zone`);
    }
    // The credential must name the type it is recorded as: verification's rule (verify.ts, the trust check).
    if (r.types && !(r.types.includes('VerifiableCredential') && r.types.includes(r.credentialType))) {
      throw new PolityError('CREDENTIALS_MALFORMED', `type: expected a list naming "VerifiableCredential" and ${r.credentialType}`);
    }
    const subject = r.holder ? { ...r.subject, id: r.holder.did } : r.subject;
    // The message names the schema path only, never the value.
    const problem = deps.claimsProblem(type.schema as Record<string, unknown>, subject);
    if (problem) throw new PolityError('CREDENTIALS_CLAIMS_INVALID', `the claims do not match the ${r.credentialType} schema at ${problem}`);
    const given = { subject, types: r.types ?? [], contexts: r.contexts ?? [], issuer: r.issuerDetails ?? {}, members: r.members ?? {} };
    if (canonicalJson(given as unknown as Json).length > CREDENTIAL_BYTES_MAX / 2) throw new PolityError('CREDENTIALS_INVALID', `the claims and the other members given are over ${CREDENTIAL_BYTES_MAX / 2} bytes`);
  }

  function chainTypeOf(types: readonly string[]): { credentialType: string; types: string[] } {
    // Retired types count as named: precheck then refuses them as retired, rather than issuing the default instead.
    const named = [...new Set(types.filter((t) => TYPE_NAME_RE.test(t) && getType(deps.get, t) !== undefined))];
    if (named.length > 1) throw new PolityError('CREDENTIALS_MALFORMED', `type: names ${named.length} credential types of this chain (${named.join(', ')}); a credential is issued and recorded as one`);
    if (named.length === 1) return { credentialType: named[0]!, types: [...types] };
    if (options.defaultType === undefined) {
      throw new PolityError('CREDENTIALS_TYPE_UNKNOWN', 'type: names no credential type of this chain, and this desk has no default type (its operator sets one with --issuing-default-type)');
    }
    return { credentialType: options.defaultType, types: [...types, options.defaultType] };
  }

  function admit(caller: string): void {
    const nowMs = deps.now();
    let w = windows.get(caller);
    if (!w || nowMs - w.startMs >= callerWindowMs) {
      if (w) windows.delete(caller);
      // The oldest windows go first when the table is full (a Map iterates in insertion order).
      while (windows.size >= callersMax) windows.delete(windows.keys().next().value!);
      w = { startMs: nowMs, count: 0 };
      windows.set(caller, w);
    }
    if (w.count >= callerRequestsMax) throw new PolityError('RATE_LIMITED', `at most ${callerRequestsMax} desk requests per ${callerWindowMs / 1000} s from one caller`);
    w.count++;
  }

  function enqueue<T>(make: (resolve: (v: T) => void, reject: (e: unknown) => void) => Job): Promise<T> {
    if (queue.length >= queueMax) return Promise.reject(new PolityError('CREDENTIALS_DESK_BUSY', `the issuing desk has ${queueMax} requests waiting; try again shortly`));
    const p = new Promise<T>((resolve, reject) => queue.push(make(resolve, reject)));
    stats.queued = queue.length;
    if (!running) void runRounds();
    return p;
  }

  async function runRounds(): Promise<void> {
    running = true;
    try {
      while (queue.length > 0) await round(queue.splice(0, batchMax));
    } finally {
      running = false;
      stats.queued = queue.length;
    }
  }

  /** One round: consecutive nonces from the committed one, distinct slots, submitted in order, then awaited. */
  async function round(jobs: Job[]): Promise<void> {
    stats.queued = queue.length;
    let nonce = deps.nextNonce(key.publicKey);
    const taken = new Map<number, Set<number>>();
    const sent: Sent[] = [];
    let i = 0;
    for (; i < jobs.length; i++) {
      const job = jobs[i]!;
      let tx: SignedTx;
      let issued: Sent['issued'];
      try {
        if (job.kind === 'issue') {
          const made = prepare(job.request, nonce, taken);
          if (!made) break; // the list fills up within this round: the rest wait for the next
          tx = made.tx;
          issued = made.issued;
        } else {
          tx = statusTx(job.request, nonce);
        }
      } catch (e) {
        stats.failed++;
        job.reject(e);
        continue;
      }
      const admitted = await deps.submit(tx);
      if (!admitted.ok) break; // no nonce gap: this one and the rest go back to the queue's front
      nonce++;
      sent.push({ job, txId: admitted.txId, ...(issued ? { issued } : {}) });
    }
    // Jobs not sent this round keep their place at the front of the queue.
    if (i < jobs.length) {
      const rest = jobs.slice(i);
      if (sent.length === 0) {
        // The node admitted nothing (mempool full, the key used elsewhere at the same moment): fail the first rather than spin.
        stats.failed++;
        rest.shift()!.reject(new PolityError('CREDENTIALS_DESK_BUSY', "the node did not admit the desk's transaction; try again shortly"));
      }
      queue.unshift(...rest);
    }
    await Promise.all(sent.map((s) => settle(s)));
  }

  async function settle(s: Sent): Promise<void> {
    const result = await deps.committed(s.txId);
    if (!result) {
      stats.failed++;
      s.job.reject(new PolityError('CREDENTIALS_DESK_UNCONFIRMED', 'the transaction was not committed in time; nothing was handed out'));
      return;
    }
    if (result.code !== 'OK') {
      stats.failed++;
      s.job.reject(chainError(result.code, result.message));
      return;
    }
    if (s.job.kind === 'issue') {
      stats.issued++;
      s.job.resolve({ ...s.issued!, height: result.height, txId: s.txId });
    } else {
      stats.statusChanges++;
      s.job.resolve({ hash: s.job.request.hash, status: s.job.request.status, height: result.height, txId: s.txId });
    }
  }

  /** The slot for `nonce` in the organisation's current list, skipping indexes taken on the chain or earlier in this round. */
  function slotFor(o: string, nonce: number, taken: Map<number, Set<number>>): { list: number; probe: number; index: number } | undefined {
    const counts = orgLists(deps.get, o).counts;
    const list = counts.length - 1;
    const mine = taken.get(list) ?? new Set<number>();
    // The chain opens the next list when this one reaches capacity: stay below it, counting this round.
    if (counts[list]! + mine.size >= LIST_CAPACITY && list + 1 < LISTS_MAX) return undefined;
    for (let probe = 0; probe < PROBES_MAX; probe++) {
      const index = statusIndexOf(deps.chainId, key.publicKey, nonce, probe);
      if (mine.has(index) || bitOf(deps.get(usedKey(o, list, locate(index).page)), index)) continue;
      mine.add(index);
      taken.set(list, mine);
      return { list, probe, index };
    }
    return undefined;
  }

  function prepare(r: DeskIssueRequest, nonce: number, taken: Map<number, Set<number>>): { tx: SignedTx; issued: NonNullable<Sent['issued']> } | undefined {
    precheck(r);
    const o = requireOrg();
    const slot = slotFor(o, nonce, taken);
    if (!slot) return undefined;
    const created = xmlDateTime(deps.now());
    const unsigned = buildCredential({
      id: r.id ?? deps.newId(),
      credentialType: r.credentialType,
      issuer,
      subject: r.holder ? { ...r.subject, id: r.holder.did } : r.subject,
      validFrom: r.validFrom ?? created,
      ...(r.validUntil !== undefined ? { validUntil: r.validUntil } : {}),
      statusBaseUrl: options.statusBaseUrl,
      org: o,
      list: slot.list,
      index: slot.index,
      ...(r.types ? { types: r.types } : {}),
      ...(r.contexts ? { contexts: r.contexts } : {}),
      ...(r.issuerDetails ? { issuerDetails: r.issuerDetails } : {}),
      ...(r.members ? { members: r.members } : {}),
    });
    const secured = securers[r.format ?? 'data-integrity']!({ unsigned, verificationMethod, secretKey: key.secretKey, created, baseUrl: options.statusBaseUrl, randomBytes: deps.randomBytes, ...(r.holder ? { holder: r.holder } : {}) });
    const args: IssueArgs = { credentialType: r.credentialType, hash: secured.hash, issuer, list: slot.list, probe: slot.probe };
    const tx = signTx({ v: 1, chainId: deps.chainId, module: 'credentials', action: 'issue', args: args as never, signer: key.publicKey, nonce }, key.secretKey);
    return { tx, issued: { credential: secured.credential, hash: secured.hash, credentialType: r.credentialType, org: o, issuer, list: slot.list, index: slot.index } };
  }

  function statusTx(r: DeskStatusRequest, nonce: number): SignedTx {
    const o = requireOrg();
    const rec = getRecord(deps.get, r.hash);
    if (!rec) throw new PolityError('CREDENTIALS_UNKNOWN', 'no credential with this hash was issued');
    if (rec.org !== o) throw new PolityError('CREDENTIALS_NOT_ISSUER', `the credential was issued by ${rec.org}, not by this desk's organisation`);
    const args = { hash: r.hash, status: r.status, ...(r.reason ? { reason: r.reason } : {}) };
    return signTx({ v: 1, chainId: deps.chainId, module: 'credentials', action: 'setStatus', args, signer: key.publicKey, nonce }, key.secretKey);
  }

  return {
    publicKey: key.publicKey,
    issuer,
    org,
    formats: () => Object.keys(securers),
    mayUse(publicKey) {
      const o = org();
      const c = callerOf(deps.get, publicKey);
      return o !== undefined && c.org === o && c.roles.includes('issuer');
    },
    admit,
    chainTypeOf,
    precheck,
    issue: (request) => enqueue<DeskIssued>((resolve, reject) => ({ kind: 'issue', request, resolve, reject })),
    setStatus: (request) => enqueue<DeskStatusChanged>((resolve, reject) => ({ kind: 'status', request, resolve, reject })),
    stats: () => ({ ...stats, queued: queue.length }),
  };
}

/** A failed transaction's result as the error a caller gets: the chain's own code (every result code is a declared one) and message. */
function chainError(code: string, message: string | undefined): PolityError {
  return new PolityError(code as 'CREDENTIALS_INVALID', message ?? code);
}
