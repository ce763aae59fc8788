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
import { parseDateTime } from '../did/method.js';
import { issueSdJwt, jwkOfKey, sdJwtHash } from './sd-jwt.js';
import { buildCredential, credentialHash } from './credential.js';
import { signDocument, type JsonObject } from './data-integrity.js';
import { signVcJwt, vcJwtHash } from './vc-jwt.js';
import { orgLists, usedKey, type IssueArgs } from './module.js';
import type { Get } from './registry.js';
import { bitOf, locate, PROBES_MAX, statusIndexOf } from './status-list.js';

export interface Slot {
  list: number;
  probe: number;
  index: number;
}

/** The first free slot for the signer's transaction with `nonce` in the organisation's current list, or undefined (64 probes all taken). */
export function findSlot(get: Get, chainId: string, org: string, signer: string, nonce: number): Slot | undefined {
  const list = orgLists(get, org).counts.length - 1;
  for (let probe = 0; probe < PROBES_MAX; probe++) {
    const index = statusIndexOf(chainId, signer, nonce, probe);
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
    credential = sdJwtOf(unsigned, p, issuer, verificationMethod);
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

/**
 * The SD-JWT VC of a credential (spec §2b): `iss`, `vct` (the type's URL on
 * the node), `iat`, `nbf` when validity starts later than signing, `exp`,
 * `cnf.jwk` when the subject is a did:key, and the Bitstring status entries
 * in `status.bitstring_status_list`, in the clear; every top-level claim of
 * credentialSubject a disclosure, its `id` as the disclosable `sub`.
 */
function sdJwtOf(unsigned: JsonObject, p: PrepareInput, issuer: string, kid: string): string {
  if (!p.randomBytes) throw new TypeError('an SD-JWT needs randomBytes for its salts');
  const { id: subjectId, ...claims } = p.subject;
  let cnf: JsonObject | undefined;
  if (typeof subjectId === 'string' && subjectId.startsWith('did:key:')) cnf = { jwk: jwkOfKey(decodeDidKey(subjectId)) };
  const validFrom = p.validFrom ?? p.created;
  const payload: JsonObject = {
    iss: issuer,
    vct: `${p.statusBaseUrl.replace(/\/+$/, '')}/v1/credentials/types/${p.credentialType}`,
    iat: seconds(p.created),
    ...(validFrom !== p.created ? { nbf: seconds(validFrom) } : {}),
    ...(p.validUntil !== undefined ? { exp: seconds(p.validUntil) } : {}),
    ...(cnf ? { cnf } : {}),
    status: { bitstring_status_list: unsigned['credentialStatus']! },
  };
  return issueSdJwt({ payload, claims: { ...(subjectId !== undefined ? { sub: subjectId } : {}), ...claims }, kid, secretKey: p.key.secretKey, randomBytes: p.randomBytes });
}
