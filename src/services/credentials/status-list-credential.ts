/**
 * The signed BitstringStatusListCredential (W3C Bitstring Status List v1.0
 * §2.2, §3.2) that GET /v1/credentials/status/{org}/{list}/{purpose} serves.
 *
 * Who signs it: the node that serves it, with its attestation key (a key
 * derived from the node key, node/interface.ts), as `did:key`. Why not the
 * issuing organisation: its officials' keys are not on the node, and a list
 * changes with every block that suspends or revokes one of its credentials —
 * an official would have to re-sign it each time, and a verifier would see a
 * stale list whenever nobody did. The status *is* the chain's state; the
 * node's signature says "this node read this list at height H, at time T",
 * which a verifier outside Polity checks with any eddsa-jcs-2022 library.
 * The Bitstring Status List validation algorithm verifies the status list
 * credential's proofs and its validity period; it lets a verifier decide
 * whether the list's issuer may speak for the credential's (the issuer of
 * the list need not be the credential's). A verifier that trusts no single
 * node checks the status with a state receipt instead (§4b of the spec:
 * signed by the validators, not by one node).
 *
 * Freshness: `validFrom` is when the node served it (the node says "this is
 * my head now"), `validUntil` five minutes later, `ttl` (ms) the same
 * window; `height` is the block whose state it shows. Why not the block's
 * time: a chain cuts no empty blocks, so on an idle chain the head is old
 * and still current. A verifier refuses a list past its `validUntil`, or
 * served longer ago than its own bound, with CREDENTIALS_STATUS_STALE.
 *
 * Pure: the signer, the clock and GZIP (node:zlib's gunzipSync, or a browser's) come in as arguments.
 */
import { didKeyFromPublicKey, multikeyDecode } from '../../crypto/multikey.js';
import { parseDateTime, xmlDateTime } from '../did/method.js';
import { VC_CONTEXT_V2 } from './credential.js';
import { proofSigningInput, proofConfigOf, hashData, type JsonObject } from './data-integrity.js';
import { base58Encode } from '../../crypto/multikey.js';
import { verifyBytes } from '../../crypto/ed25519.js';
import type { StatusPurpose } from './status-list.js';

/** How long a served list may be relied on: 5 minutes. */
export const STATUS_LIST_TTL_MS = 5 * 60_000;

export interface StatusListInput {
  url: string;
  purpose: StatusPurpose;
  /** GZIP then multibase base64url ("u…"). */
  encodedList: string;
  height: number;
  /** When it is served, ms. */
  nowMs: number;
}

export interface Attester {
  publicKey: string;
  sign(message: Uint8Array): Uint8Array;
}

/** The signed status list credential. */
export function signStatusList(input: StatusListInput, attester: Attester): JsonObject {
  const issuer = didKeyFromPublicKey(attester.publicKey);
  const unsigned: JsonObject = {
    '@context': [VC_CONTEXT_V2],
    id: input.url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer,
    validFrom: xmlDateTime(input.nowMs),
    validUntil: xmlDateTime(input.nowMs + STATUS_LIST_TTL_MS),
    credentialSubject: { id: `${input.url}#list`, type: 'BitstringStatusList', statusPurpose: input.purpose, encodedList: input.encodedList, ttl: STATUS_LIST_TTL_MS },
    height: input.height,
  };
  const config = proofConfigOf(unsigned, { created: xmlDateTime(input.nowMs), verificationMethod: `${issuer}#${issuer.slice('did:key:'.length)}`, proofPurpose: 'assertionMethod' });
  const signature = attester.sign(hashData(unsigned, config));
  return { ...unsigned, proof: { ...config, proofValue: 'z' + base58Encode(signature) } };
}

export type StatusListCheck =
  | { ok: true; issuer: string; height: number; bits: Uint8Array; validFromMs: number }
  | { ok: false; code: 'CREDENTIALS_MALFORMED' | 'CREDENTIALS_PROOF_INVALID' | 'CREDENTIALS_STATUS_STALE'; reason: string };

/** The most bytes a decompressed list may have (2^20 entries). */
const LIST_BYTES_MAX = 1_048_576 / 8;

/**
 * What a verifier does with a served list (Bitstring Status List §3.2):
 * check its proof (by its did:key issuer, or one of `trustedKeys` when
 * given), its validity period and `maxAgeMs` (from `validFrom`, when it
 * was served), then decompress the bits. Never throws.
 */
export function checkStatusList(
  doc: unknown,
  options: { nowMs: number; maxAgeMs: number; trustedKeys?: readonly string[]; gunzip: (bytes: Uint8Array, options: { maxOutputLength: number }) => Uint8Array },
): StatusListCheck {
  const malformed = (reason: string): StatusListCheck => ({ ok: false, code: 'CREDENTIALS_MALFORMED', reason });
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) return malformed('expected a BitstringStatusListCredential object');
  const d = doc as JsonObject;
  const issuer = d['issuer'];
  if (typeof issuer !== 'string' || !issuer.startsWith('did:key:z6Mk')) return malformed('issuer: expected the did:key of the node that served it');
  let key: string;
  try {
    key = multikeyDecode(issuer.slice('did:key:'.length));
  } catch {
    return malformed('issuer: not an Ed25519 did:key');
  }
  if (options.trustedKeys && !options.trustedKeys.includes(key)) return { ok: false, code: 'CREDENTIALS_PROOF_INVALID', reason: 'the list is signed by a key this verifier does not trust' };
  const input = proofSigningInput(d);
  if (!input.ok) return { ok: false, code: input.malformed ? 'CREDENTIALS_MALFORMED' : 'CREDENTIALS_PROOF_INVALID', reason: input.reason };
  if (input.proof.verificationMethod !== `${issuer}#${issuer.slice('did:key:'.length)}`) return malformed('proof.verificationMethod: expected the issuer did:key');
  if (!verifyBytes(key, input.message, input.signature)) return { ok: false, code: 'CREDENTIALS_PROOF_INVALID', reason: 'the status list signature does not verify' };
  const from = typeof d['validFrom'] === 'string' ? parseDateTime(d['validFrom']) : undefined;
  const until = typeof d['validUntil'] === 'string' ? parseDateTime(d['validUntil']) : undefined;
  if (from === undefined || until === undefined) return malformed('validFrom and validUntil: expected date-times');
  if (options.nowMs > until) return { ok: false, code: 'CREDENTIALS_STATUS_STALE', reason: `the status list expired at ${d['validUntil']}` };
  if (options.nowMs - from > options.maxAgeMs) return { ok: false, code: 'CREDENTIALS_STATUS_STALE', reason: `the status list was served at ${d['validFrom']}, longer ago than the ${Math.round(options.maxAgeMs / 1000)} s this verifier accepts` };
  const subject = d['credentialSubject'] as JsonObject | undefined;
  const encoded = subject?.['encodedList'];
  if (typeof encoded !== 'string' || encoded[0] !== 'u') return malformed('credentialSubject.encodedList: expected multibase base64url ("u…")');
  let bits: Uint8Array;
  try {
    bits = options.gunzip(Buffer.from(encoded.slice(1), 'base64url'), { maxOutputLength: LIST_BYTES_MAX });
  } catch {
    return malformed('credentialSubject.encodedList: not GZIP of at most 2^20 bits');
  }
  const height = d['height'];
  return { ok: true, issuer, height: typeof height === 'number' ? height : -1, bits, validFromMs: from };
}
