/**
 * What an issuing official's tool does before it sends `credentials.issue`:
 * pick the status slot the chain will accept, build the credential with its
 * status entries, sign it (eddsa-jcs-2022, as a compact vc+jwt, or as an
 * SD-JWT VC with every claim selectively disclosable) and hash it. Used by
 * `polity credential issue`, the benchmark and the tests, so that there is
 * one way to make a Polity credential.
 *
 * The slot depends on the signer's next nonce (status-list.ts), so the
 * transaction that records the credential must be sent with that nonce.
 *
 * Pure: the time, the credential's id, the salts and the chain's state come in.
 */
import { decodeDidKey, didKeyFromPublicKey, multikeyEncode } from '../../crypto/multikey.js';
import { parseDateTime, POLITY_DID_RE } from '../did/method.js';
import { issueSdJwt, jwkOfKey, sdJwtHash } from './sd-jwt.js';
import { buildCredential, credentialHash } from './credential.js';
import { signDocument, type JsonObject } from './data-integrity.js';
import { signVcJwt, vcJwtHash } from './vc-jwt.js';
import { entriesOf, orgLists, usedKey, type IssueArgs } from './module.js';
import type { Get } from './registry.js';
import { bitOf, locate, PROBES_MAX, statusIndexOf } from './status-list.js';

export interface Slot {
  list: number;
  probe: number;
  index: number;
}

/** The first free slot for the signer's transaction with `nonce` in the organisation's current list, or undefined (64 probes all taken). */
export function findSlot(get: Get, chainId: string, org: string, signer: string, nonce: number): Slot | undefined {
  const lists = orgLists(get, org);
  const list = lists.counts.length - 1;
  const entries = entriesOf(lists, list);
  for (let probe = 0; probe < PROBES_MAX; probe++) {
    const index = statusIndexOf(chainId, signer, nonce, probe, entries);
    if (!bitOf(get(usedKey(org, list, locate(index).page)), index)) return { list, probe, index };
  }
  return undefined;
}

export interface PrepareInput {
  org: string;
  key: { publicKey: string; secretKey: string };
  /** The issuer DID: the key's did:key by default, or a did:polity whose key in force it is. */
  issuer?: string;
  slot: Slot;
  credentialType: string;
  subject: JsonObject;
  /** A fresh urn:uuid: for the credential. */
  id: string;
  /** XML Schema date-times: when it was signed, and its validity. */
  created: string;
  validFrom?: string;
  validUntil?: string;
  statusBaseUrl: string;
  /** How the credential is secured: an embedded eddsa-jcs-2022 proof (default), a compact vc+jwt (vc-jwt.ts), or an SD-JWT VC (sd-jwt.ts). */
  format?: CredentialFormat;
  /** Randomness for the SD-JWT's salts (required for format sd-jwt). */
  randomBytes?: (n: number) => Uint8Array;
}

export type CredentialFormat = 'data-integrity' | 'jwt' | 'sd-jwt';

export interface Prepared<C extends JsonObject | string = JsonObject | string> {
  /** What the holder receives: the signed JSON object (data-integrity), or the compact vc+jwt string (jwt). */
  credential: C;
  hash: string;
  /** The arguments of `credentials.issue`. */
  args: IssueArgs;
}

export function prepareCredential(p: PrepareInput & { format: 'jwt' | 'sd-jwt' }): Prepared<string>;
export function prepareCredential(p: PrepareInput & { format?: 'data-integrity' }): Prepared<JsonObject>;
export function prepareCredential(p: PrepareInput): Prepared;
export function prepareCredential(p: PrepareInput): Prepared {
  const issuer = p.issuer ?? didKeyFromPublicKey(p.key.publicKey);
  const unsigned = buildCredential({
    id: p.id,
    credentialType: p.credentialType,
    issuer,
    subject: p.subject,
    validFrom: p.validFrom ?? p.created,
    ...(p.validUntil !== undefined ? { validUntil: p.validUntil } : {}),
    statusBaseUrl: p.statusBaseUrl,
    org: p.org,
    list: p.slot.list,
    index: p.slot.index,
  });
  const verificationMethod = `${issuer}#${multikeyEncode(p.key.publicKey)}`;
  let credential: JsonObject | string;
  let hash: string;
  if (p.format === 'sd-jwt') {
    if (!p.randomBytes) throw new TypeError('an SD-JWT needs randomBytes for its salts');
    credential = sdJwtOf({ unsigned, kid: verificationMethod, secretKey: p.key.secretKey, created: p.created, baseUrl: p.statusBaseUrl, randomBytes: p.randomBytes });
    hash = sdJwtHash(credential);
  } else if (p.format === 'jwt') {
    credential = signVcJwt(unsigned, { kid: verificationMethod, secretKey: p.key.secretKey });
    hash = vcJwtHash(credential);
  } else {
    credential = signDocument(unsigned, { verificationMethod, created: p.created, secretKey: p.key.secretKey });
    hash = credentialHash(credential);
  }
  return { credential, hash, args: { credentialType: p.credentialType, hash, issuer, list: p.slot.list, probe: p.slot.probe } };
}

const seconds = (dateTime: string): number => Math.floor(parseDateTime(dateTime)! / 1000);

/** An SD-JWT VC's `vct`: the credential type's URL on the issuing node (what OpenID4VCI's metadata announces too). */
export const vctOf = (baseUrl: string, credentialType: string): string => `${baseUrl.replace(/\/+$/, '')}/v1/credentials/types/${credentialType}`;

/**
 * The holder binding of an SD-JWT VC (spec §2b): the key that proved
 * possession (OpenID4VCI) or the subject's did:key, as `cnf.jwk`; a
 * did:polity subject as `cnf.kid` = the DID, whose key in force is looked up
 * when the credential is presented (a rotated key then presents it, the key
 * rotated away no longer does); anything else, no binding.
 */
export function cnfOf(subjectId: unknown, holderKey?: string): JsonObject | undefined {
  if (holderKey !== undefined) return { jwk: jwkOfKey(holderKey) };
  if (typeof subjectId !== 'string') return undefined;
  if (subjectId.startsWith('did:key:')) return { jwk: jwkOfKey(decodeDidKey(subjectId)) };
  if (POLITY_DID_RE.test(subjectId)) return { kid: subjectId };
  return undefined;
}

export interface SdJwtOfInput {
  /** The unsigned VC 2.0 credential (buildCredential): issuer, type, validity, subject and status entries are read from it. */
  unsigned: JsonObject;
  /** The issuer's verification method (issuer#Multikey) and its Ed25519 seed. */
  kid: string;
  secretKey: string;
  /** XML Schema date-time of signing: `iat`. */
  created: string;
  /** The issuing node's base URL: `vct` is the type's URL there. */
  baseUrl: string;
  /** The holder key that proved possession (hex), when known; else the binding follows the subject's DID. */
  holderKey?: string;
  /** SALT_BYTES random bytes per disclosure. */
  randomBytes(n: number): Uint8Array;
}

/**
 * The SD-JWT VC of a credential (spec §2b): `iss`, `vct` (the type's URL on
 * the node), `iat`, `nbf` when validity starts later than signing, `exp`,
 * `cnf` (cnfOf), and the Bitstring status entries in
 * `status.bitstring_status_list`, in the clear; every top-level claim of
 * credentialSubject a disclosure, its `id` as the disclosable `sub`. The
 * one way Polity makes an SD-JWT VC: `polity credential issue` and the
 * issuing desk both call it.
 */
export function sdJwtOf(p: SdJwtOfInput): string {
  const u = p.unsigned;
  const { id: subjectId, ...claims } = u['credentialSubject'] as JsonObject;
  const credentialType = (u['type'] as string[])[1]!;
  const validFrom = typeof u['validFrom'] === 'string' ? u['validFrom'] : p.created;
  const cnf = cnfOf(subjectId, p.holderKey);
  const payload: JsonObject = {
    iss: u['issuer']!,
    vct: vctOf(p.baseUrl, credentialType),
    iat: seconds(p.created),
    ...(validFrom !== p.created ? { nbf: seconds(validFrom) } : {}),
    ...(typeof u['validUntil'] === 'string' ? { exp: seconds(u['validUntil']) } : {}),
    ...(cnf ? { cnf } : {}),
    status: { bitstring_status_list: u['credentialStatus']! },
  };
  return issueSdJwt({ payload, claims: { ...(subjectId !== undefined ? { sub: subjectId } : {}), ...claims }, kid: p.kid, secretKey: p.secretKey, randomBytes: p.randomBytes });
}
