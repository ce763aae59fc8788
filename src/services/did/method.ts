/**
 * The `did:polity` DID method and `did:key` (Ed25519), as pure functions
 * (spec/did-method.md):
 *
 * - DID syntax (W3C DID Core 1.0 §3.1) and the two methods this chain knows;
 * - the method-specific id of a `did:polity` DID, derived from its first key;
 * - base58btc and Multikey (`publicKeyMultibase`, multicodec 0xed01) for
 *   Ed25519 keys, and the `did:key` method built on them;
 * - service endpoints: URLs of services, never of people;
 * - the W3C DID document of a version record, and resolution at a height, a
 *   versionId or a versionTime from the version records (DID Resolution);
 * - XML Schema datetimes (DID Core's `created` / `updated`), by arithmetic.
 *
 * No clock, randomness or I/O: times come in as block times (ms since the
 * epoch) and state comes in as version records. The module (did.ts), the API,
 * the CLI and tests share these functions, so a DID document means the same
 * everywhere. Imports only crypto and the error type, so it also runs in a
 * browser (with the sha256 import map of the other pages).
 */
import { ed25519PointProblem } from '../../crypto/ed25519-point.js';
import { fromHex, isHex, toHex, utf8Encode } from '../../crypto/bytes.js';
import { sha256 } from '../../crypto/sha256.js';
import { multikeyDecode, multikeyEncode } from '../../crypto/multikey.js';
import { PolityError } from '../../ledger/errors.js';

// --- limits -------------------------------------------------------------------

/** Longest DID this code parses; longer text is `invalidDid` before any other work. */
export const DID_LENGTH_MAX = 256;
/** Services a DID document may list. */
export const SERVICES_MAX = 5;
/** Longest service endpoint URL. */
export const SERVICE_ENDPOINT_MAX = 200;
/** Longest base58btc text the decoder accepts (the codec is quadratic). */
export const BASE58_TEXT_MAX = 512;

// --- DID syntax (DID Core §3.1) -----------------------------------------------------

/**
 * did                = "did:" method-name ":" method-specific-id
 * method-name        = 1*method-char            ; %x61-7A / DIGIT
 * method-specific-id = *( *idchar ":" ) 1*idchar
 * idchar             = ALPHA / DIGIT / "." / "-" / "_" / pct-encoded
 */
const ID_CHAR = '(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})';
export const DID_RE = new RegExp(`^did:([a-z0-9]+):((?:${ID_CHAR}*:)*${ID_CHAR}+)$`);

export const POLITY_METHOD = 'polity';
export const POLITY_DID_PREFIX = 'did:polity:';
/** A did:polity method-specific id: 16 bytes, 32 lowercase hex characters. */
export const POLITY_ID_RE = /^[0-9a-f]{32}$/;
export const POLITY_DID_RE = /^did:polity:[0-9a-f]{32}$/;

/** The resolution errors of DID Core §7.1.2 this node reports (and `invalidOptions` for bad version parameters). */
export type ResolutionErrorName = 'invalidDid' | 'notFound' | 'methodNotSupported' | 'invalidOptions' | 'invalidPublicKey';

const RESOLUTION_CODES = { invalidDid: 'DID_INVALID', notFound: 'DID_UNKNOWN', methodNotSupported: 'DID_METHOD_UNSUPPORTED', invalidOptions: 'BAD_REQUEST', invalidPublicKey: 'DID_INVALID' } as const;
type ResolutionCode = (typeof RESOLUTION_CODES)[ResolutionErrorName];

/** A failed resolution: a Polity error code, a sentence, and the DID Resolution error name in `details.error`. */
export function resolutionError(error: ResolutionErrorName, message: string): PolityError<ResolutionCode> {
  return new PolityError<ResolutionCode>(RESOLUTION_CODES[error], message, { error });
}

/** The DID Resolution error name a PolityError carries in its details, if any. */
export function resolutionErrorName(e: PolityError): ResolutionErrorName | undefined {
  const name = (e.details as { error?: unknown } | undefined)?.error;
  return typeof name === 'string' && name in RESOLUTION_CODES ? (name as ResolutionErrorName) : undefined;
}

export type ParsedDid = { method: 'polity'; did: string; id: string } | { method: 'key'; did: string; publicKey: string };

/**
 * Parse a DID this node can resolve. Throws `resolutionError`:
 * `invalidDid` for text that is not a DID (or not a well-formed DID of a
 * method we know), `methodNotSupported` for a well-formed DID of another
 * method (or a did:key of a key type other than Ed25519). Messages quote no
 * input: a DID typed into a form may be anything.
 */
export function parseDid(text: unknown): ParsedDid {
  if (typeof text !== 'string' || text.length === 0) throw resolutionError('invalidDid', 'expected a DID such as did:polity:<32 hex characters>');
  if (text.length > DID_LENGTH_MAX) throw resolutionError('invalidDid', `a DID has at most ${DID_LENGTH_MAX} characters here; got ${text.length}`);
  const m = DID_RE.exec(text);
  if (!m) throw resolutionError('invalidDid', 'not a DID: expected "did:", a method name of lowercase letters and digits, ":", and an identifier (DID Core §3.1)');
  const method = m[1]!;
  const msid = m[2]!;
  if (method === POLITY_METHOD) {
    if (!POLITY_ID_RE.test(msid)) throw resolutionError('invalidDid', `a did:polity identifier is 32 lowercase hex characters; got ${msid.length} characters${/[A-F]/.test(msid) ? ' (with uppercase letters)' : ''}`);
    return { method: 'polity', did: text, id: msid };
  }
  if (method === 'key') return { method: 'key', did: text, publicKey: publicKeyFromDidKey(text) };
  throw resolutionError('methodNotSupported', 'this node resolves did:polity and did:key (Ed25519) DIDs; not DIDs of other methods');
}

// --- did:polity identifiers ----------------------------------------------------------

/** Domain of the id derivation; a new derivation would be v2, never a change of v1. */
export const POLITY_ID_DOMAIN = 'polity-did:v1:';

/**
 * The method-specific id of the DID whose first key is `publicKey` on chain
 * `chainId`: the first 16 bytes of SHA-256 over
 * `polity-did:v1:<chainId>:<public key, lowercase hex>`, as lowercase hex.
 */
export function didPolityId(chainId: string, publicKey: string): string {
  if (!isHex(publicKey, 32)) throw new TypeError(`expected a 32-byte public key in lowercase hex, got ${typeof publicKey === 'string' ? `${(publicKey as string).length} characters` : typeof publicKey}`);
  return toHex(sha256(utf8Encode(`${POLITY_ID_DOMAIN}${chainId}:${publicKey}`)).subarray(0, 16));
}

export function didPolityFromKey(chainId: string, publicKey: string): string {
  return POLITY_DID_PREFIX + didPolityId(chainId, publicKey);
}

// --- Multikey (Ed25519) and did:key: codecs in crypto/multikey.ts -----------------------

export { base58Decode, base58Encode, didKeyFromPublicKey, ED25519_MULTICODEC, multikeyDecode, multikeyEncode } from '../../crypto/multikey.js';

/**
 * The Ed25519 public key (hex) of a did:key. Throws `resolutionError`:
 * `invalidDid` for a malformed did:key, `methodNotSupported` for a did:key
 * of another key type (this node verifies Ed25519 only), `invalidPublicKey`
 * for 32 bytes that are no Ed25519 point (did:key §3.1.4, "Ed25519 public
 * key" check).
 */
export function publicKeyFromDidKey(did: string): string {
  if (typeof did !== 'string' || !did.startsWith('did:key:') || did.length > DID_LENGTH_MAX) throw resolutionError('invalidDid', 'expected did:key:z…');
  const msid = did.slice('did:key:'.length);
  if (msid[0] !== 'z') throw resolutionError('invalidDid', 'a did:key identifier is multibase base58btc and starts with "z"');
  let publicKey: string;
  try {
    publicKey = multikeyDecode(msid, BASE58_TEXT_MAX);
  } catch (e) {
    if (e instanceof RangeError) throw resolutionError('methodNotSupported', 'this node resolves did:key for Ed25519 keys only (multicodec 0xed01, "z6Mk…")');
    throw resolutionError('invalidDid', `malformed did:key: ${(e as Error).message}`);
  }
  const problem = ed25519PointProblem(publicKey);
  if (problem) throw resolutionError('invalidPublicKey', `the did:key's key is no Ed25519 public key: ${problem}`);
  return publicKey;
}

// --- service endpoints ------------------------------------------------------------------

export interface DidService {
  /** Fragment naming the service within the DID document, e.g. "inbox" (the document shows `<did>#inbox`). */
  id: string;
  /** Service type, e.g. "DIDCommMessaging", "LinkedDomains". */
  type: string;
  /** An https URL of the service (http only on 127.0.0.1, localhost or [::1], for development). */
  serviceEndpoint: string;
}

export const SERVICE_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/;
export const SERVICE_TYPE_RE = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** A DNS name in lowercase whose last label starts with a letter (so not an IPv4 literal). */
const HOST_RE = new RegExp(`^(?:${LABEL}\\.)*[a-z](?:[a-z0-9-]{0,61}[a-z0-9])?$`);
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** Path: segments of unreserved, sub-delims, ":", "@" and well-formed percent-escapes (RFC 3986 pchar). */
const PATH_RE = /^(?:\/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@]|%[0-9A-Fa-f]{2})*)*$/;
const URL_RE = /^(https?):\/\/([^/:?#]+|\[::1\])(?::([0-9]{1,5}))?(\/[^?#]*)?$/;

/**
 * What is wrong with a service endpoint, or undefined. A service endpoint is
 * the URL of a service: `https://` and a DNS name (no user info, no IP
 * literal, no query or fragment, where personal data would be tempting), or
 * `http://` on a loopback host for development. The message never quotes the
 * value.
 */
export function serviceEndpointError(url: unknown): string | undefined {
  if (typeof url !== 'string') return 'expected a URL';
  if (url.length > SERVICE_ENDPOINT_MAX) return `a service endpoint has at most ${SERVICE_ENDPOINT_MAX} characters; got ${url.length}`;
  const m = URL_RE.exec(url);
  if (!m) return 'expected an https:// URL with a host name and an optional port and path, no user name, query or fragment';
  const [, scheme, host, port, path = ''] = m;
  if (scheme === 'http') {
    if (!LOOPBACK_HOSTS.has(host!)) return 'http:// is allowed on 127.0.0.1, localhost and [::1] only (development); use https://';
  } else if (!(host === 'localhost' || (host!.length <= 253 && host!.includes('.') && HOST_RE.test(host!)))) {
    return 'expected a host name in lowercase such as services.example.gov (no IP address, no user name)';
  }
  if (port !== undefined && (port.startsWith('0') || Number(port) > 65_535)) return 'expected a port from 1 to 65535';
  if (!PATH_RE.test(path)) return 'the path may hold letters, digits, -._~!$&\'()*+,;=:@ and %-escapes only';
  return undefined;
}

/** What is wrong with a list of services, or undefined (the schema has checked the shape). */
export function servicesError(services: readonly DidService[]): string | undefined {
  if (services.length > SERVICES_MAX) return `at most ${SERVICES_MAX} services; got ${services.length}`;
  const ids = new Set<string>();
  for (const [i, s] of services.entries()) {
    if (!SERVICE_ID_RE.test(s.id)) return `services[${i}].id: expected 1-32 letters, digits, ".", "-" or "_"`;
    if (!SERVICE_TYPE_RE.test(s.type)) return `services[${i}].type: expected a type name of letters and digits, e.g. DIDCommMessaging`;
    if (ids.has(s.id)) return `services[${i}].id: the id ${s.id} is used twice`;
    ids.add(s.id);
    const error = serviceEndpointError(s.serviceEndpoint);
    if (error) return `services[${i}].serviceEndpoint: ${error}`;
  }
  return undefined;
}

// --- version records ---------------------------------------------------------------------

export type DidOperation = 'create' | 'rotate' | 'update' | 'deactivate' | 'recover' | 'registrarDeactivate';

/** Why a registrar recovered a DID (a code, never free text). */
export const RECOVER_REASONS = ['lost-key', 'compromised-key', 'holder-request', 'court-order'] as const;
/**
 * Why a registrar deactivated a DID. `subject-ceased` covers the death of a
 * person and the dissolution of a business alike: the ledger says that the
 * identity ended, not a fact about a life.
 */
export const DEACTIVATE_REASONS = ['subject-ceased', 'holder-request', 'compromised-key', 'court-order', 'duplicate'] as const;
export type RecoverReason = (typeof RECOVER_REASONS)[number];
export type DeactivateReason = (typeof DEACTIVATE_REASONS)[number];

/**
 * One immutable version of a DID: written once by the change that made it,
 * never rewritten. Versions are numbered 1, 2, … in execution order, so their
 * (height, txIndex) only grow.
 */
export interface DidVersion {
  version: number;
  operation: DidOperation;
  /** The key in force from this version on (for a deactivation: the last key, in force no more). */
  key: string;
  services: DidService[];
  /** Height and time of the block that made this version, and the transaction's id and position in it. */
  height: number;
  time: number;
  txId: string;
  txIndex: number;
  /** The key that signed the change: the DID's key, or a registrar's official key. */
  by: string;
  /** Registrar operations: the registrar's organisation, the reason code, and optionally the hash of the case file. */
  org?: string;
  reason?: string;
  caseRef?: string;
  /** Set on the final version of a deactivated DID. */
  deactivated?: true;
}

/** Where a signature made in block `height` (as transaction `txIndex` of it, if it is one) sits in a DID's history. */
function before(v: DidVersion, height: number, txIndex?: number): boolean {
  return v.height < height || (v.height === height && (txIndex === undefined || v.txIndex < txIndex));
}

/**
 * The version in force at `height`: the last one whose block is at or below
 * it (the state after that block). With `txIndex`, the version in force when
 * transaction `txIndex` of block `height` ran: changes earlier in the same
 * block count, later ones do not.
 */
export function versionAt(versions: readonly DidVersion[], height: number, txIndex?: number): DidVersion | undefined {
  let found: DidVersion | undefined;
  for (const v of versions) {
    if (!before(v, height, txIndex)) break;
    found = v;
  }
  return found;
}

/** The key that may sign for the DID at `height` (and `txIndex`), or undefined before creation and after deactivation. */
export function keyInForceAt(versions: readonly DidVersion[], height: number, txIndex?: number): string | undefined {
  const v = versionAt(versions, height, txIndex);
  return v && !v.deactivated ? v.key : undefined;
}

/** True when `publicKey` was the DID's key in force at `height`: how a signature is judged by the block it was made in. */
export function isKeyValidAt(versions: readonly DidVersion[], publicKey: string, height: number, txIndex?: number): boolean {
  return keyInForceAt(versions, height, txIndex) === publicKey;
}

// --- DID documents -------------------------------------------------------------------------

export const DID_CONTEXT = ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/multikey/v1'] as const;
export const DID_RESOLUTION_CONTEXT = 'https://w3id.org/did-resolution/v1';
/** Media type of a DID document in plain JSON (DID Core §6.2). */
export const DID_JSON = 'application/did+json';

export interface VerificationMethod {
  id: string;
  type: 'Multikey';
  controller: string;
  publicKeyMultibase: string;
}

export interface DidDocument {
  '@context': string[];
  id: string;
  verificationMethod?: VerificationMethod[];
  authentication?: string[];
  assertionMethod?: string[];
  capabilityInvocation?: string[];
  capabilityDelegation?: string[];
  service?: { id: string; type: string; serviceEndpoint: string }[];
}

/** The verification method of an Ed25519 key in a DID's document; its fragment is the key's multibase, as in did:key. */
export function verificationMethodOf(did: string, publicKey: string): VerificationMethod {
  const multibase = multikeyEncode(publicKey);
  return { id: `${did}#${multibase}`, type: 'Multikey', controller: did, publicKeyMultibase: multibase };
}

/**
 * The W3C DID document of a did:polity version: one Multikey verification
 * method (the key in force) for authentication, assertions and changes of
 * the DID itself (capabilityInvocation), and the services. A deactivated
 * version has an empty document: no key of it may be trusted any more.
 */
export function didDocument(did: string, version: DidVersion): DidDocument {
  const doc: DidDocument = { '@context': [...DID_CONTEXT], id: did };
  if (version.deactivated) return doc;
  const vm = verificationMethodOf(did, version.key);
  doc.verificationMethod = [vm];
  doc.authentication = [vm.id];
  doc.assertionMethod = [vm.id];
  doc.capabilityInvocation = [vm.id];
  if (version.services.length > 0) doc.service = version.services.map((s) => ({ id: `${did}#${s.id}`, type: s.type, serviceEndpoint: s.serviceEndpoint }));
  return doc;
}

/**
 * The DID document of a did:key (Ed25519), as the did:key method derives it
 * from the identifier alone: resolvable anywhere, with no state. (The
 * optional X25519 key-agreement key of the did:key spec is not derived.)
 */
export function didKeyDocument(did: string): DidDocument {
  const publicKey = publicKeyFromDidKey(did);
  const vm = verificationMethodOf(did, publicKey);
  return {
    '@context': [...DID_CONTEXT],
    id: did,
    verificationMethod: [vm],
    authentication: [vm.id],
    assertionMethod: [vm.id],
    capabilityInvocation: [vm.id],
    capabilityDelegation: [vm.id],
  };
}

// --- resolution --------------------------------------------------------------------------------

export interface ResolveOptions {
  /** The version in force after this block. */
  height?: number;
  /** A version number, as a decimal string ("1", "2", …). */
  versionId?: string;
  /** The version in force at this instant (ISO 8601 / XML Schema datetime). */
  versionTime?: string;
}

export interface DidDocumentMetadata {
  created?: string;
  updated?: string;
  deactivated?: boolean;
  versionId?: string;
  nextVersionId?: string;
  nextUpdate?: string;
  /** Polity: the block whose execution made the resolved version, and its transaction. */
  versionHeight?: number;
  versionTxId?: string;
}

export interface DidResolutionResult {
  '@context': string;
  didDocument: DidDocument | null;
  didResolutionMetadata: { contentType?: string; error?: ResolutionErrorName; [key: string]: unknown };
  didDocumentMetadata: DidDocumentMetadata;
}

export const VERSION_ID_RE = /^[1-9][0-9]{0,8}$/;

/**
 * Resolve a did:polity DID from its version records (oldest first), as of a
 * chain whose head is `headHeight`. Throws `resolutionError` for bad options
 * (`invalidOptions`) and for a DID with no version at the requested point
 * (`notFound`). A deactivated result is a result, not an error: its
 * metadata says `deactivated: true` and its document is empty.
 */
export function resolveFromVersions(did: string, versions: readonly DidVersion[], headHeight: number, options: ResolveOptions = {}): DidResolutionResult {
  const given = (['height', 'versionId', 'versionTime'] as const).filter((k) => options[k] !== undefined);
  if (given.length > 1) throw resolutionError('invalidOptions', `give one of height, versionId and versionTime, not ${given.join(' and ')}`);
  if (versions.length === 0) throw resolutionError('notFound', 'no DID with this identifier exists on this chain');
  let selected: DidVersion | undefined;
  if (options.height !== undefined) {
    if (!Number.isSafeInteger(options.height) || options.height < 1) throw resolutionError('invalidOptions', 'height: expected a block height of 1 or more');
    if (options.height > headHeight) throw resolutionError('invalidOptions', `height: the chain is at block ${headHeight}; block ${options.height} does not exist yet`);
    selected = versionAt(versions, options.height);
    if (!selected) throw resolutionError('notFound', `the DID did not exist yet at block ${options.height}; it was created in block ${versions[0]!.height}`);
  } else if (options.versionId !== undefined) {
    if (!VERSION_ID_RE.test(options.versionId)) throw resolutionError('invalidOptions', 'versionId: expected a version number such as 1, 2, 3');
    selected = versions[Number(options.versionId) - 1];
    if (!selected) throw resolutionError('notFound', `the DID has ${versions.length} version(s); there is no version ${options.versionId}`);
  } else if (options.versionTime !== undefined) {
    const t = parseDateTime(options.versionTime);
    if (t === undefined) throw resolutionError('invalidOptions', 'versionTime: expected an ISO 8601 date and time with a zone, such as 2025-03-01T12:00:00Z');
    for (const v of versions) if (v.time <= t) selected = v;
    if (!selected) throw resolutionError('notFound', `the DID did not exist yet at that time; it was created at ${xmlDateTime(versions[0]!.time)}`);
  } else {
    selected = versions[versions.length - 1]!;
  }
  const next = versions[selected.version];
  const metadata: DidDocumentMetadata = { created: xmlDateTime(versions[0]!.time) };
  if (selected.version > 1) metadata.updated = xmlDateTime(selected.time);
  if (selected.deactivated) metadata.deactivated = true;
  metadata.versionId = String(selected.version);
  if (next) {
    metadata.nextVersionId = String(next.version);
    metadata.nextUpdate = xmlDateTime(next.time);
  }
  metadata.versionHeight = selected.height;
  metadata.versionTxId = selected.txId;
  return {
    '@context': DID_RESOLUTION_CONTEXT,
    didDocument: didDocument(did, selected),
    didResolutionMetadata: { contentType: DID_JSON },
    didDocumentMetadata: metadata,
  };
}

/** Resolve a did:key: no state, no versions (version parameters are `invalidOptions`). */
export function resolveDidKey(did: string, options: ResolveOptions = {}): DidResolutionResult {
  if (options.versionId !== undefined || options.versionTime !== undefined) throw resolutionError('invalidOptions', 'a did:key has no versions: its document is derived from the key and never changes');
  return { '@context': DID_RESOLUTION_CONTEXT, didDocument: didKeyDocument(did), didResolutionMetadata: { contentType: DID_JSON }, didDocumentMetadata: {} };
}

/** A failed resolution as a DID Resolution result (DID Core §7.1: an empty document and metadata, an error name). */
export function resolutionErrorResult(error: ResolutionErrorName): DidResolutionResult {
  return { '@context': DID_RESOLUTION_CONTEXT, didDocument: null, didResolutionMetadata: { error }, didDocumentMetadata: {} };
}

// --- XML Schema datetimes, by arithmetic (no Date in the deterministic layers) ---------------

const MS_PER_DAY = 86_400_000;

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant, "chrono-compatible low-level date algorithms"). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * A block time (ms since the epoch) as DID Core wants `created` and
 * `updated`: an XML Schema datetime in UTC without fractions of a second,
 * e.g. 2025-03-01T12:00:00Z.
 */
export function xmlDateTime(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`expected a time in ms since 1970, got ${ms}`);
  const days = Math.floor(ms / MS_PER_DAY);
  const { year, month, day } = civilFromDays(days);
  const secondOfDay = Math.floor((ms - days * MS_PER_DAY) / 1000);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(Math.floor(secondOfDay / 3600))}:${pad(Math.floor(secondOfDay / 60) % 60)}:${pad(secondOfDay % 60)}Z`;
}

const DATETIME_RE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,9}))?(Z|[+-][0-9]{2}:[0-9]{2})$/;

/**
 * Parse an ISO 8601 / XML Schema datetime with a zone ("Z" or ±hh:mm) into
 * ms since the epoch (fractions below a millisecond are dropped). Undefined
 * for anything else, including impossible dates (2025-02-30) and times
 * before 1970.
 */
export function parseDateTime(text: unknown): number | undefined {
  if (typeof text !== 'string' || text.length > 40) return undefined;
  const m = DATETIME_RE.exec(text);
  if (!m) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const daysInMonth = [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
  if (year < 1 || daysInMonth === undefined || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8]!;
  if (zone !== 'Z') {
    const oh = Number(zone.slice(1, 3));
    const om = Number(zone.slice(4, 6));
    if (oh > 14 || om > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (oh * 60 + om);
  }
  const fraction = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  const ms = daysFromCivil(year, month, day) * MS_PER_DAY + ((hour * 60 + minute - offsetMinutes) * 60 + second) * 1000 + fraction;
  return ms >= 0 ? ms : undefined;
}
