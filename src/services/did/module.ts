/**
 * Citizen and business identity: the `did:polity` DID method
 * (spec/did-method.md).
 *
 * A DID is created by the key that will control it: the signer of `create`
 * becomes its first key, and the DID's identifier is derived from that key
 * and the chain id, so nobody can take a DID meant for another key. The key
 * in force signs every later change of its DID: `rotate` to a new key,
 * `update` of the services, `deactivate` (final). When a holder has lost
 * the key, or it was stolen, a registrar — an official with the role
 * `registrar` of an organisation holding the `did` permission — may
 * `recover` the DID to a new key the holder brings, or deactivate it
 * (`registrarDeactivate`, e.g. on a death record), always with a reason
 * code and optionally the hash of the case file kept by the registrar's
 * organisation: never free text.
 *
 * Personal data never reaches the chain: a DID document holds keys and
 * service URLs only, and service URLs are checked to be URLs of services.
 *
 * Every change appends an immutable version record; nothing is rewritten.
 * Which key was valid at which block is therefore exact (method.ts
 * `keyInForceAt`): a signature is judged against the key in force at the
 * block it was made in.
 *
 * State (keys prefixed `did/`):
 *   did/doc/<id>        -> DidHead      the latest version number, key and status (for cheap checks)
 *   did/ver/<id>/<n>    -> DidVersion   version n, written once
 *   did/key/<pubKey>    -> KeyBinding   the DID a key belongs (or belonged) to: one key, one DID, forever
 *
 * Access: holder actions are `anyone` at the runtime, and check here that the
 * signer is the DID's key in force (DID_KEY_NOT_CURRENT for a former key of
 * the DID, DID_NOT_CONTROLLER for any other key). Registrar actions are
 * `{ roles: ['registrar'] }`: the runtime checks the official, the role and
 * the organisation's `did` permission before they run.
 */
import { ed25519PointProblem } from '../../crypto/ed25519-point.js';
import { rulesAllow } from '../../runtime/rules.js';
import { Type } from '@sinclair/typebox';
import type { Json } from '../../crypto/canonical-json.js';
import { PolityError } from '../../ledger/errors.js';
import { defineAction, type ActionContext, type ModuleDefinition } from '../../runtime/module.js';
import {
  DEACTIVATE_REASONS,
  didPolityId,
  POLITY_DID_PREFIX,
  POLITY_DID_RE,
  RECOVER_REASONS,
  SERVICE_ENDPOINT_MAX,
  SERVICES_MAX,
  servicesError,
  type DidOperation,
  type DidService,
  type DidVersion,
} from './method.js';

export const DID_MODULE = 'did';
/** Versions a holder may make (create, rotations, updates). Past this, only deactivation and registrar actions. */
export const HOLDER_VERSIONS_MAX = 1_000;
/** Versions a DID may have at all: registrar actions and the final deactivation keep 100 places beyond the holder's. */
export const VERSIONS_MAX = HOLDER_VERSIONS_MAX + 100;

export const headKey = (id: string): string => `did/doc/${id}`;
export const versionKey = (id: string, version: number): string => `did/ver/${id}/${version}`;
export const keyBindingKey = (publicKey: string): string => `did/key/${publicKey}`;

export interface DidHead {
  did: string;
  /** The latest version number (= how many versions exist). */
  version: number;
  /** The key in force (for a deactivated DID: its last key). */
  key: string;
  deactivated: boolean;
}

export interface KeyBinding {
  did: string;
  /** The version that brought the key in. */
  version: number;
}

// --- argument schemas -------------------------------------------------------------

const Did = Type.String({ pattern: '^did:polity:[0-9a-f]{32}$', description: 'a did:polity DID' });
const PublicKey = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'Ed25519 public key, 32 bytes, lowercase hex' });
const CaseRef = Type.String({ pattern: '^[0-9a-f]{64}$', description: "SHA-256 of the case file kept by the registrar's organisation; never the file or a name" });

export const ServiceSchema = Type.Object(
  {
    id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$', description: 'fragment naming the service, e.g. "inbox" (shown as <did>#inbox)' }),
    type: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9]{0,63}$', description: 'service type, e.g. DIDCommMessaging' }),
    serviceEndpoint: Type.String({ minLength: 1, maxLength: SERVICE_ENDPOINT_MAX, description: 'https URL of the service (http on loopback for development); never personal data' }),
  },
  { additionalProperties: false },
);
const Services = Type.Array(ServiceSchema, { maxItems: SERVICES_MAX });

export const CreateArgs = Type.Object({ services: Type.Optional(Services) }, { additionalProperties: false });
export const RotateArgs = Type.Object({ did: Did, publicKey: PublicKey }, { additionalProperties: false });
export const UpdateArgs = Type.Object({ did: Did, services: Services }, { additionalProperties: false });
export const DeactivateArgs = Type.Object({ did: Did }, { additionalProperties: false });
export const RecoverArgs = Type.Object(
  { did: Did, publicKey: PublicKey, reason: Type.Union(RECOVER_REASONS.map((r) => Type.Literal(r))), caseRef: Type.Optional(CaseRef) },
  { additionalProperties: false },
);
export const RegistrarDeactivateArgs = Type.Object(
  { did: Did, reason: Type.Union(DEACTIVATE_REASONS.map((r) => Type.Literal(r))), caseRef: Type.Optional(CaseRef) },
  { additionalProperties: false },
);

// --- reading state -----------------------------------------------------------------

type Get = (key: string) => Json | undefined;

const idOf = (did: string): string => did.slice(POLITY_DID_PREFIX.length);

export function getHead(get: Get, id: string): DidHead | undefined {
  return get(headKey(id)) as unknown as DidHead | undefined;
}

/** Every version record of a DID, oldest first (empty for an unknown DID). At most VERSIONS_MAX reads. */
export function readVersions(get: Get, id: string): DidVersion[] {
  const head = getHead(get, id);
  if (!head) return [];
  const out: DidVersion[] = [];
  for (let n = 1; n <= head.version; n++) {
    const v = get(versionKey(id, n)) as unknown as DidVersion | undefined;
    if (!v) throw new Error(`invariant broken: version ${n} of did ${id} is missing`);
    out.push(v);
  }
  return out;
}

/**
 * The key currently valid for a DID, for checking a signature made now: a
 * did:polity's key in force, undefined for an unknown or deactivated DID
 * (and for anything that is not a did:polity DID). For a signature made at
 * an earlier block, use method.ts `keyInForceAt` over `readVersions`.
 */
export function currentDidKey(get: Get, did: string): string | undefined {
  if (typeof did !== 'string' || !POLITY_DID_RE.test(did)) return undefined;
  const head = getHead(get, idOf(did));
  return head && !head.deactivated ? head.key : undefined;
}

/** The DID a key belongs or belonged to, if any. */
export function getKeyBinding(get: Get, publicKey: string): KeyBinding | undefined {
  return get(keyBindingKey(publicKey)) as unknown as KeyBinding | undefined;
}

// --- checks shared by the actions ------------------------------------------------------

function requireHead(ctx: ActionContext, did: string): DidHead {
  const head = getHead((k) => ctx.get(k), idOf(did));
  if (!head) throw new PolityError('DID_UNKNOWN', 'no DID with this identifier exists on this chain');
  if (head.deactivated) throw new PolityError('DID_DEACTIVATED', 'the DID is deactivated; deactivation is final');
  return head;
}

/** The signer must be the DID's key in force. */
function requireController(ctx: ActionContext, did: string, head: DidHead): void {
  if (ctx.signer === head.key) return;
  const binding = getKeyBinding((k) => ctx.get(k), ctx.signer);
  if (binding?.did === did) {
    throw new PolityError('DID_KEY_NOT_CURRENT', `this key was replaced (the DID is at version ${head.version}); sign with the key in force`, { version: head.version });
  }
  throw new PolityError('DID_NOT_CONTROLLER', "only the DID's key in force may change it");
}

function requireFreshKey(ctx: ActionContext, head: DidHead, publicKey: string): void {
  // A key no secret key makes (off the curve, or of small order) would lock the DID: refused before it is bound.
  const problem = rulesAllow(ctx.rulesVersion, 'ed25519PointChecks') ? ed25519PointProblem(publicKey) : undefined;
  if (problem) throw new PolityError('DID_INVALID', `the new key is no Ed25519 public key: ${problem}`);
  if (publicKey === head.key) throw new PolityError('DID_INVALID', 'the new key is the key in force already');
  if (getKeyBinding((k) => ctx.get(k), publicKey)) {
    throw new PolityError('DID_INVALID', 'the new key is, or was, a key of a DID; a key serves one DID only, once: use a fresh key');
  }
}

function requireRoom(head: DidHead, limit: number): void {
  if (head.version >= limit) {
    throw new PolityError('DID_INVALID', `the DID has ${head.version} versions, the most allowed for this change (${limit}); deactivate it and create a new one`);
  }
}

function checkServices(services: readonly DidService[]): void {
  const error = servicesError(services);
  if (error) throw new PolityError('DID_INVALID', error);
}

/** Append version `head.version + 1` and move the head; bind a new key. */
function append(ctx: ActionContext, did: string, previous: DidHead | undefined, change: { operation: DidOperation; key: string; services: DidService[]; org?: string; reason?: string; caseRef?: string; deactivated?: true }): DidVersion {
  const id = idOf(did);
  const version = (previous?.version ?? 0) + 1;
  const record: DidVersion = {
    version,
    operation: change.operation,
    key: change.key,
    services: change.services,
    height: ctx.height,
    time: ctx.time,
    txId: ctx.txId,
    txIndex: ctx.txIndex,
    by: ctx.signer,
  };
  if (change.org !== undefined) record.org = change.org;
  if (change.reason !== undefined) record.reason = change.reason;
  if (change.caseRef !== undefined) record.caseRef = change.caseRef;
  if (change.deactivated) record.deactivated = true;
  if (ctx.has(versionKey(id, version))) throw new Error(`invariant broken: version ${version} of did ${id} exists already`);
  ctx.set(versionKey(id, version), record as unknown as Json);
  const head: DidHead = { did, version, key: change.key, deactivated: change.deactivated === true };
  ctx.set(headKey(id), head as unknown as Json);
  if (change.key !== previous?.key) ctx.set(keyBindingKey(change.key), { did, version } satisfies KeyBinding as unknown as Json);
  return record;
}

function servicesOf(ctx: ActionContext, did: string, head: DidHead): DidService[] {
  const v = ctx.get(versionKey(idOf(did), head.version)) as unknown as DidVersion;
  return v.services;
}

// --- the module ---------------------------------------------------------------------------

export const didModule: ModuleDefinition = {
  name: DID_MODULE,
  description: 'Decentralised identifiers (did:polity) for citizens and businesses: keys and service URLs only, with key rotation, registrar recovery and a full version history.',
  state: { owns: ['did/'] },
  actions: {
    create: defineAction({
      access: 'anyone',
      args: CreateArgs,
      description: "Create the DID of the signer's key: the key becomes the DID's first key, and the DID id is derived from it (did:polity:<first 16 bytes of SHA-256('polity-did:v1:<chainId>:<key>')>). DID_EXISTS when the key already belongs to a DID.",
      execute(ctx, args) {
        const id = didPolityId(ctx.chainId, ctx.signer);
        const did = POLITY_DID_PREFIX + id;
        const binding = getKeyBinding((k) => ctx.get(k), ctx.signer);
        if (getHead((k) => ctx.get(k), id) || binding) {
          throw new PolityError('DID_EXISTS', binding?.did === did || !binding ? 'this key has created its DID already' : 'this key is, or was, a key of another DID; a key serves one DID only', { did: binding?.did ?? did });
        }
        const services = args.services ?? [];
        checkServices(services);
        append(ctx, did, undefined, { operation: 'create', key: ctx.signer, services });
        ctx.emit({ type: 'did.created', did });
      },
    }),
    rotate: defineAction({
      access: 'anyone',
      args: RotateArgs,
      description: "Replace the DID's key by a new one, from this block on. Signed by the key in force (object-level check: DID_KEY_NOT_CURRENT for a former key of the DID, DID_NOT_CONTROLLER for any other key). The new key must never have served a DID.",
      execute(ctx, args) {
        const head = requireHead(ctx, args.did);
        requireController(ctx, args.did, head);
        requireRoom(head, HOLDER_VERSIONS_MAX);
        requireFreshKey(ctx, head, args.publicKey);
        const v = append(ctx, args.did, head, { operation: 'rotate', key: args.publicKey, services: servicesOf(ctx, args.did, head) });
        ctx.emit({ type: 'did.rotated', did: args.did, version: v.version });
      },
    }),
    update: defineAction({
      access: 'anyone',
      args: UpdateArgs,
      description: "Replace the DID's services (an empty list removes them). Signed by the key in force (object-level check as for rotate).",
      execute(ctx, args) {
        const head = requireHead(ctx, args.did);
        requireController(ctx, args.did, head);
        requireRoom(head, HOLDER_VERSIONS_MAX);
        checkServices(args.services);
        const v = append(ctx, args.did, head, { operation: 'update', key: head.key, services: args.services });
        ctx.emit({ type: 'did.updated', did: args.did, version: v.version });
      },
    }),
    deactivate: defineAction({
      access: 'anyone',
      args: DeactivateArgs,
      description: 'Deactivate the DID, for good: no key of it is valid after this block, and no change is possible (DID_DEACTIVATED). Signed by the key in force (object-level check as for rotate).',
      execute(ctx, args) {
        const head = requireHead(ctx, args.did);
        requireController(ctx, args.did, head);
        requireRoom(head, VERSIONS_MAX);
        const v = append(ctx, args.did, head, { operation: 'deactivate', key: head.key, services: [], deactivated: true });
        ctx.emit({ type: 'did.deactivated', did: args.did, version: v.version });
      },
    }),
    recover: defineAction({
      access: { roles: ['registrar'] },
      args: RecoverArgs,
      description:
        "A registrar gives the DID a new key the holder brings (lost or compromised key, holder's request, court order), with a reason code and optionally the SHA-256 of the case file; the record keeps the registrar's key and organisation. Needs the role registrar in an organisation holding the did permission.",
      execute(ctx, args) {
        const head = requireHead(ctx, args.did);
        requireRoom(head, VERSIONS_MAX);
        requireFreshKey(ctx, head, args.publicKey);
        if (args.publicKey === ctx.signer) throw new PolityError('DID_INVALID', "a registrar may not recover a DID to the registrar's own key");
        const org = ctx.caller.org;
        if (org === undefined) throw new Error('invariant broken: a registrar action ran for a signer with no organisation');
        const v = append(ctx, args.did, head, {
          operation: 'recover',
          key: args.publicKey,
          services: servicesOf(ctx, args.did, head),
          org,
          reason: args.reason,
          ...(args.caseRef !== undefined ? { caseRef: args.caseRef } : {}),
        });
        ctx.emit({ type: 'did.recovered', did: args.did, version: v.version, org, reason: args.reason });
      },
    }),
    registrarDeactivate: defineAction({
      access: { roles: ['registrar'] },
      args: RegistrarDeactivateArgs,
      description:
        'A registrar deactivates the DID, for good (the identity ended, a duplicate, a court order…), with a reason code and optionally the SHA-256 of the case file; the record keeps the registrar\'s key and organisation. Needs the role registrar in an organisation holding the did permission.',
      execute(ctx, args) {
        const head = requireHead(ctx, args.did);
        requireRoom(head, VERSIONS_MAX);
        const org = ctx.caller.org;
        if (org === undefined) throw new Error('invariant broken: a registrar action ran for a signer with no organisation');
        const v = append(ctx, args.did, head, {
          operation: 'registrarDeactivate',
          key: head.key,
          services: [],
          org,
          reason: args.reason,
          ...(args.caseRef !== undefined ? { caseRef: args.caseRef } : {}),
          deactivated: true,
        });
        ctx.emit({ type: 'did.deactivated', did: args.did, version: v.version, org, reason: args.reason });
      },
    }),
  },
};
