/**
 * The issuing desk on a node (desk.ts) and the W3C VC API routes it backs:
 * `POST /credentials/issue` and `POST /credentials/status`
 * (spec/services/credentials.md §10).
 *
 * The desk runs when the node was started with `--issuing-key FILE` (the
 * key file of an official with the role issuer). Who may use it:
 *
 * - officials of the desk's organisation with the role issuer (admins
 *   included), through the API's own authentication: a session token or a
 *   signed request (spec/api-auth.md). The same people could sign
 *   `credentials.issue` themselves; the desk only spares their tools the
 *   signing.
 * - machine clients holding the token in `--issuing-token-file FILE`, sent
 *   as `Authorization: Bearer <token>`. Why a static token as well: the VC
 *   API's callers (an organisation's case system, W3C's conformance suites)
 *   are configured with an OAuth2 or bearer token and cannot sign RFC 9421
 *   requests with an official's Ed25519 key. The token is compared by its
 *   SHA-256 in constant time, never logged, and read once at start.
 *
 * The desk is created at the first request, when the node's origin (for
 * status list URLs) is known; the key file is read at start, so a wrong file
 * stops the node from starting.
 */
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FastifyRequest } from 'fastify';
import { requirePrincipal } from '../../api/authenticate.js';
import { authError } from '../../api/http-signatures.js';
import { SIGNED_OR_SESSION, type RouteContext, type TypedApp } from '../../api/route.js';
import { isHex } from '../../crypto/bytes.js';
import { publicKeyOf } from '../../crypto/ed25519.js';
import { sha256Utf8 } from '../../crypto/sha256.js';
import { PolityError } from '../../ledger/errors.js';
import { errorResponses } from '../../schemas/common.js';
import { claimsProblem } from './claims.js';
import type { Json } from '../../crypto/canonical-json.js';
import { isUrl, OPTIONAL_MEMBERS, readCredential } from './credential.js';
import type { JsonObject } from './data-integrity.js';
import { createDesk, type Desk, type DeskIssueRequest } from './desk.js';
import { getRecord } from './module.js';
import { TYPE_NAME_RE } from './registry.js';
import { VcApiIssueBody, VcApiIssueResult, VcApiStatusBody, VcApiStatusResult } from './schemas-desk.js';
import { envelopeVcJwt } from './vc-jwt.js';
import { envelopeSdJwt } from './sd-jwt.js';

const TAG = 'credentials';
/** credentialId → hash of credentials this desk issued, remembered for `POST /credentials/status` (in memory: the hash always works). */
const IDS_MAX = 100_000;
/** How long the desk waits for its transaction to commit before answering CREDENTIALS_DESK_UNCONFIRMED. */
const COMMIT_WAIT_MS = 20_000;
/** The machine token: 32-256 URL-safe characters. */
const TOKEN_RE = /^[A-Za-z0-9._~+/=-]{32,256}$/;

/** The start options of the credentials service (`polity start --issuing-key FILE --issuing-token-file FILE`). */
export const DESK_START_OPTIONS = {
  'issuing-key': { arg: 'FILE', summary: 'run an issuing desk with this key of an official with the role issuer (VC API issue and status, OpenID4VCI); encrypted like the node key', keyFile: true },
  'issuing-token-file': { arg: 'FILE', summary: 'the bearer token machine clients send to the issuing desk (one line, 32-256 characters)' },
  'issuing-default-type': { arg: 'TYPE', summary: "the credential type of the chain the issuing desk issues a VC API request as when it names none (added to the credential's type)" },
} as const;

export interface DeskHandle {
  /** The desk, or CREDENTIALS_DESK_OFF. */
  desk(): Desk;
  /** Whether a desk is configured. */
  readonly configured: boolean;
  /** Who is calling: 'token' or an official's public key allowed to use the desk; throws AUTH_* otherwise. Counts the call against the caller's rate. */
  caller(request: FastifyRequest): Promise<string>;
  /** The node's canonical origin (status list URLs, the OpenID4VCI issuer identifier). */
  origin(): string;
  /** Remember a credentialId (credential.id or the VC API's options.credentialId) for a hash. */
  remember(credentialId: string, hash: string): void;
  hashOf(credentialId: string): string | undefined;
}

/** A plaintext key file, for callers that give the path without opening it (in-process tests); `polity start` opens it first (RouteContext.keys), sealed or not. */
function readKey(path: string): { publicKey: string; secretKey: string } {
  let parsed: { publicKey?: unknown; secretKey?: unknown };
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8')) as typeof parsed;
  } catch {
    throw new Error(`--issuing-key: cannot read a key file at ${path}`);
  }
  if (!isHex(parsed.secretKey, 32) || !isHex(parsed.publicKey, 32) || publicKeyOf(parsed.secretKey) !== parsed.publicKey) {
    throw new Error(`--issuing-key: ${path} is not a key file ({publicKey, secretKey}, 64 hex digits each, matching)`);
  }
  return { publicKey: parsed.publicKey, secretKey: parsed.secretKey };
}

function readToken(path: string): Uint8Array {
  let text: string;
  try {
    text = readFileSync(path, 'utf8').trim();
  } catch {
    throw new Error(`--issuing-token-file: cannot read ${path}`);
  }
  if (!TOKEN_RE.test(text)) throw new Error('--issuing-token-file: expected one token of 32-256 URL-safe characters');
  return sha256Utf8(text).hash;
}

export function createDeskHandle(ctx: RouteContext): DeskHandle {
  const keyFile = ctx.options?.['issuing-key'];
  const tokenFile = ctx.options?.['issuing-token-file'];
  const defaultType = ctx.options?.['issuing-default-type'];
  if (tokenFile !== undefined && keyFile === undefined) throw new Error('--issuing-token-file needs --issuing-key');
  if (defaultType !== undefined && keyFile === undefined) throw new Error('--issuing-default-type needs --issuing-key');
  if (defaultType !== undefined && !TYPE_NAME_RE.test(defaultType)) throw new Error('--issuing-default-type: expected a credential type name (a letter, then letters and digits)');
  const key = ctx.keys?.['issuing-key'] ?? (keyFile === undefined ? undefined : readKey(keyFile));
  const tokenHash = tokenFile === undefined ? undefined : readToken(tokenFile);
  const ids = new Map<string, string>();
  let desk: Desk | undefined;
  const origin = (): string => {
    const o = ctx.auth.origins()[0];
    if (!o) throw new PolityError('CREDENTIALS_DESK_OFF', 'this node knows no public origin for status list URLs; start it with --public-url');
    return o;
  };
  const { node } = ctx;
  return {
    configured: key !== undefined,
    origin,
    desk() {
      if (!key) throw new PolityError('CREDENTIALS_DESK_OFF', 'this node runs no issuing desk; its operator starts it with --issuing-key');
      desk ??= createDesk(
        { key, statusBaseUrl: origin(), ...(defaultType !== undefined ? { defaultType } : {}) },
        {
          chainId: node.chainId,
          get: ctx.get,
          nextNonce: (signer) => node.nextNonce(signer),
          async submit(tx) {
            const [outcome] = await node.submitTxs([tx]);
            return outcome!.status === 'accepted' ? { ok: true, txId: outcome!.txId } : { ok: false, code: outcome!.code, message: outcome!.message };
          },
          async committed(txId) {
            const s = await node.waitForTx(txId, COMMIT_WAIT_MS);
            return s.status === 'committed' ? { height: s.height, code: s.result.code, ...(s.result.message ? { message: s.result.message } : {}) } : undefined;
          },
          now: () => Date.now(),
          newId: () => `urn:uuid:${randomUUID()}`,
          randomBytes: (n) => new Uint8Array(randomBytes(n)),
          claimsProblem,
        },
      );
      return desk;
    },
    async caller(request) {
      const d = this.desk();
      const authorization = request.headers.authorization;
      if (tokenHash && typeof authorization === 'string' && /^Bearer /i.test(authorization)) {
        const presented = sha256Utf8(authorization.slice(7).trim()).hash;
        if (timingSafeEqual(presented, tokenHash)) {
          d.admit('token');
          return 'token';
        }
      }
      const principal = await requirePrincipal(request, ctx.auth);
      if (!d.mayUse(principal.publicKey)) throw authError('AUTH_FORBIDDEN', "the issuing desk serves officials with the role issuer of its own organisation, and its machine token's holders");
      d.admit(principal.publicKey);
      return principal.publicKey;
    },
    remember(credentialId, hash) {
      if (ids.size >= IDS_MAX) ids.delete(ids.keys().next().value!);
      ids.set(credentialId, hash);
    },
    hashOf: (credentialId) => ids.get(credentialId),
  };
}

/** Members of an unsecured VC API credential the desk takes as they are (validity, id) or reads (the rest). */
const TAKEN = new Set(['@context', 'type', 'credentialSubject', 'validFrom', 'validUntil', 'id', 'issuer', 'credentialStatus', ...OPTIONAL_MEMBERS]);
/** Bounds on what a caller adds: more types and contexts, and its own status entries (replaced). */
const TYPES_MAX = 16;
const TYPE_CHARS_MAX = 256;
const CONTEXTS_MAX = 16;
const STATUS_ENTRIES_MAX = 16;

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const malformed = (message: string) => new PolityError('CREDENTIALS_MALFORMED', message);

/**
 * A caller's own `credentialStatus`: VC 2.0 lets an issuer's client propose
 * one, and the suites send one. Well-formed entries (a type; an id, if any,
 * one URL) are replaced by the desk's: the status the chain keeps is the only
 * one a Polity credential carries, and the one verification reads.
 */
function checkCallerStatus(value: unknown): void {
  if (value === undefined) return;
  const entries = Array.isArray(value) ? value : [value];
  if (entries.length === 0 || entries.length > STATUS_ENTRIES_MAX) throw malformed(`credentialStatus: expected 1-${STATUS_ENTRIES_MAX} status objects`);
  for (const e of entries) {
    if (!isObject(e)) throw malformed('credentialStatus: expected objects with a type');
    const type = e['type'];
    const typed = (typeof type === 'string' && type.length > 0) || (Array.isArray(type) && type.length > 0 && type.every((t) => typeof t === 'string' && t.length > 0));
    if (!typed) throw malformed('credentialStatus: expected objects with a type');
    if (e['id'] !== undefined && !isUrl(e['id'])) throw malformed('credentialStatus: expected an id that is one URL');
  }
}

/**
 * A VC API unsecured credential as a desk request (spec §8a). What a
 * standard client sends is taken: its own types in any order (the chain type
 * is the one type of the chain it names, or the desk's default type, added),
 * more `@context` entries after the VC 2.0 one, the optional VC 2.0 members
 * and the issuer as {id, name, description} — all signed in as given; the
 * chain records the hash, as for any credential. The data model's rules
 * (readCredential, the ones verification applies) run over it first, so a
 * shape VC 2.0 forbids is CREDENTIALS_MALFORMED before anything is queued.
 */
export function deskRequestOf(credential: Record<string, unknown>, desk: Pick<Desk, 'issuer' | 'chainTypeOf'>, format: string | undefined): DeskIssueRequest {
  const { issuer } = desk;
  for (const name of Object.keys(credential)) {
    if (name === 'proof') throw malformed('proof: the credential to issue comes unsecured; the desk signs it');
    if (!TAKEN.has(name)) throw malformed(`${name.slice(0, 64)}: not a member this desk signs (it takes ${[...TAKEN].join(', ')})`);
  }
  const given = credential['issuer'];
  const givenId = isObject(given) ? given['id'] : given;
  if (given !== undefined && givenId !== issuer) throw new PolityError('CREDENTIALS_ISSUER_MISMATCH', `issuer: this desk issues as ${issuer}`);
  if (isObject(given)) {
    for (const name of Object.keys(given)) if (!['id', 'name', 'description'].includes(name)) throw malformed(`issuer: this desk signs its issuer's id, name and description, not ${name.slice(0, 64)}`);
  }
  checkCallerStatus(credential['credentialStatus']);
  const { credentialStatus: _replaced, ...rest } = credential;
  const read = readCredential({ ...rest, issuer: isObject(given) ? given : issuer } as JsonObject);
  if (!read.ok) throw malformed(read.reason);
  const types = read.value.types;
  if (types.length > TYPES_MAX || types.some((t) => t.length === 0 || t.length > TYPE_CHARS_MAX)) throw malformed(`type: expected at most ${TYPES_MAX} names of 1-${TYPE_CHARS_MAX} characters`);
  const contexts = (credential['@context'] as Json[]).slice(1);
  if (contexts.length > CONTEXTS_MAX) throw malformed(`@context: expected at most ${CONTEXTS_MAX} entries after the VC 2.0 context`);
  const id = credential['id'];
  if (id !== undefined && (typeof id !== 'string' || id.length > 256)) throw malformed('id: expected a URI of at most 256 characters');
  const chain = desk.chainTypeOf(types);
  const members: JsonObject = {};
  for (const name of OPTIONAL_MEMBERS) if (credential[name] !== undefined) members[name] = credential[name] as Json;
  const issuerDetails = isObject(given) ? { ...(given['name'] !== undefined ? { name: given['name'] as Json } : {}), ...(given['description'] !== undefined ? { description: given['description'] as Json } : {}) } : undefined;
  const plain = types.length === 2 && types[0] === 'VerifiableCredential' && types[1] === chain.credentialType;
  return {
    credentialType: chain.credentialType,
    subject: read.value.subject,
    ...(format ? { format } : {}),
    ...(read.value.validFrom ? { validFrom: read.value.validFrom } : {}),
    ...(read.value.validUntil ? { validUntil: read.value.validUntil } : {}),
    ...(typeof id === 'string' ? { id } : {}),
    ...(plain ? {} : { types: chain.types }),
    ...(contexts.length > 0 ? { contexts } : {}),
    ...(issuerDetails && Object.keys(issuerDetails).length > 0 ? { issuerDetails } : {}),
    ...(Object.keys(members).length > 0 ? { members } : {}),
  };
}

/** The VC API routes of the desk. */
export function registerDeskRoutes(app: TypedApp, ctx: RouteContext, handle: DeskHandle): void {
  app.post(
    '/credentials/issue',
    {
      schema: {
        operationId: 'vcApiIssueCredential',
        tags: [TAG],
        summary: "W3C VC API: issue a credential through this node's issuing desk. The desk sets issuer, id (unless given), the status entries and the proof, records the hash on the chain, and answers once it is committed.",
        description:
          'An official of the desk\'s organisation with the role issuer (a session or a signed request), or a machine client with the desk\'s bearer token. options.format (Polity\'s): data-integrity (default, an eddsa-jcs-2022 proof), jwt (an EnvelopedVerifiableCredential carrying a vc+jwt) or sd-jwt (one carrying an SD-JWT VC, data:application/dc+sd-jwt,…).',
        body: VcApiIssueBody,
        security: [...SIGNED_OR_SESSION],
        response: { 201: VcApiIssueResult, ...errorResponses(401, 403, 404, 409, 422, 429, 503) },
      },
    },
    async (request, reply) => {
      await handle.caller(request);
      const desk = handle.desk();
      const format = request.body.options?.format;
      const r = deskRequestOf(request.body.credential, desk, format);
      desk.precheck(r);
      const issued = await desk.issue(r);
      const credentialId = request.body.options?.credentialId ?? (typeof request.body.credential.id === 'string' ? request.body.credential.id : undefined);
      if (credentialId) handle.remember(credentialId, issued.hash);
      if (typeof issued.credential !== 'string') handle.remember(String(issued.credential.id), issued.hash);
      const verifiableCredential = typeof issued.credential !== 'string' ? issued.credential : issued.credential.includes('~') ? envelopeSdJwt(issued.credential) : envelopeVcJwt(issued.credential);
      return reply.code(201).send({ verifiableCredential });
    },
  );

  app.post(
    '/credentials/status',
    {
      schema: {
        operationId: 'vcApiUpdateCredentialStatus',
        tags: [TAG],
        summary: "W3C VC API: suspend, reinstate or revoke a credential this node's desk organisation issued. credentialId: the credential's hash, or an id the desk issued under (remembered in memory since start).",
        description: 'statusPurpose revocation with status true revokes (final; false is refused); suspension true suspends, false reinstates. Who may: as for POST /credentials/issue.',
        body: VcApiStatusBody,
        security: [...SIGNED_OR_SESSION],
        response: { 200: VcApiStatusResult, ...errorResponses(401, 403, 404, 409, 429, 503) },
      },
    },
    async (request) => {
      await handle.caller(request);
      const desk = handle.desk();
      const { credentialId, status } = request.body;
      const entry = Array.isArray(request.body.credentialStatus) ? request.body.credentialStatus[0]! : request.body.credentialStatus;
      if (entry.type !== 'BitstringStatusListEntry' && entry.type !== 'BitstringStatusList') throw new PolityError('CREDENTIALS_INVALID', 'credentialStatus.type: BitstringStatusListEntry');
      const hash = isHex(credentialId, 32) ? credentialId : handle.hashOf(credentialId);
      if (!hash || !getRecord(ctx.get, hash)) throw new PolityError('CREDENTIALS_UNKNOWN', 'no credential with this id or hash was issued (ids are remembered only by the desk that issued them, since its start; the hash always works)');
      const rec = getRecord(ctx.get, hash)!;
      let target: 'active' | 'suspended' | 'revoked';
      if (entry.statusPurpose === 'revocation') {
        if (!status) throw new PolityError(rec.status === 'revoked' ? 'CREDENTIALS_REVOKED' : 'CREDENTIALS_INVALID', 'revocation is final: a revocation bit is never cleared');
        target = 'revoked';
      } else target = status ? 'suspended' : 'active';
      const changed = await desk.setStatus({ hash, status: target, ...(request.body.reason ? { reason: request.body.reason } : {}) });
      return { credentialId, hash, status: changed.status, height: changed.height };
    },
  );
}
