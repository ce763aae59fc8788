/**
 * W3C Data Integrity proofs with the `eddsa-jcs-2022` cryptosuite (Data
 * Integrity EdDSA Cryptosuites v1.0, §3.3): what a Polity credential is
 * signed with, so that any verifier that implements the W3C suite can check
 * it without Polity's code.
 *
 * The algorithm, in one breath: the proof configuration (the proof without
 * `proofValue`, carrying the document's `@context`) and the document without
 * its proof are each canonicalised with RFC 8785 (JCS) and hashed with
 * SHA-256; the two hashes, configuration first, are concatenated and signed
 * with Ed25519; `proofValue` is `z` + base58btc of the 64-byte signature.
 *
 * Why JCS and not RDF canonicalisation (`eddsa-rdfc-2022`): the project
 * already canonicalises everything it signs with RFC 8785 (crypto/
 * canonical-json.ts); RDF canonicalisation needs a JSON-LD processor and a
 * document loader (27 packages, network fetches of contexts), and its cost
 * grows badly with adversarial input. The W3C test vector is reproduced
 * byte for byte in data-integrity.test.ts.
 *
 * Pure: no clock (the `created` time comes in as an argument).
 */
import { canonicalBytes, type Json } from '../../crypto/canonical-json.js';
import { concatBytes, toHex } from '../../crypto/bytes.js';
import { signRaw, verifyBytes } from '../../crypto/ed25519.js';
import { base58Decode, base58Encode } from '../../crypto/multikey.js';
import { sha256 } from '../../crypto/sha256.js';

export const CRYPTOSUITE = 'eddsa-jcs-2022';
export const PROOF_TYPE = 'DataIntegrityProof';
/** An Ed25519 signature is 64 bytes; its base58btc text is at most 88 characters. */
const PROOF_VALUE_CHARS_MAX = 100;

export interface DataIntegrityProof {
  type: typeof PROOF_TYPE;
  cryptosuite: typeof CRYPTOSUITE;
  created?: string;
  verificationMethod: string;
  proofPurpose: string;
  '@context'?: Json;
  proofValue?: string;
  [extra: string]: Json | undefined;
}

export type JsonObject = { [key: string]: Json };

/** The bytes Ed25519 signs: SHA-256(JCS(proof configuration)) ‖ SHA-256(JCS(document without proof)) (64 bytes). */
export function hashData(unsecured: JsonObject, proofConfig: JsonObject): Uint8Array {
  return concatBytes(sha256(canonicalBytes(proofConfig)), sha256(canonicalBytes(unsecured)));
}

export interface SignOptions {
  verificationMethod: string;
  /** XML Schema dateTime, e.g. "2026-12-04T10:00:00Z". */
  created: string;
  /** The signer's 32-byte Ed25519 seed, hex. */
  secretKey: string;
  proofPurpose?: string;
}

/** The proof configuration of a document: the options, with the document's `@context` when it has one (§3.3.5). */
export function proofConfigOf(unsecured: JsonObject, options: Omit<SignOptions, 'secretKey'>): JsonObject {
  const config: JsonObject = {
    type: PROOF_TYPE,
    cryptosuite: CRYPTOSUITE,
    created: options.created,
    verificationMethod: options.verificationMethod,
    proofPurpose: options.proofPurpose ?? 'assertionMethod',
  };
  if (unsecured['@context'] !== undefined) config['@context'] = unsecured['@context'];
  return config;
}

/** The document with an `eddsa-jcs-2022` proof added (§3.3.1 "Create Proof"). The input must not carry a proof. */
export function signDocument(unsecured: JsonObject, options: SignOptions): JsonObject {
  if (unsecured['proof'] !== undefined) throw new TypeError('the document already carries a proof; proof sets are not made here');
  const config = proofConfigOf(unsecured, options);
  const signature = signRaw(options.secretKey, hashData(unsecured, config));
  return { ...unsecured, proof: { ...config, proofValue: 'z' + base58Encode(signature) } };
}

export type ProofCheck = { ok: true; proof: DataIntegrityProof } | { ok: false; malformed: boolean; reason: string };

/** The proof of a secured document, checked for shape only (no signature): what a verifier reads first. */
export function readProof(secured: JsonObject): ProofCheck {
  const proof = secured['proof'];
  if (proof === undefined) return { ok: false, malformed: true, reason: 'the credential has no proof' };
  if (Array.isArray(proof)) return { ok: false, malformed: true, reason: 'the credential carries a set of proofs; Polity issues and verifies a single proof' };
  if (proof === null || typeof proof !== 'object') return { ok: false, malformed: true, reason: 'proof: expected an object' };
  const p = proof as JsonObject;
  if (p['type'] !== PROOF_TYPE) return { ok: false, malformed: true, reason: `proof.type: expected "${PROOF_TYPE}"` };
  if (p['cryptosuite'] !== CRYPTOSUITE) return { ok: false, malformed: true, reason: `proof.cryptosuite: expected "${CRYPTOSUITE}"` };
  if (typeof p['verificationMethod'] !== 'string') return { ok: false, malformed: true, reason: 'proof.verificationMethod: expected a DID URL' };
  if (typeof p['proofPurpose'] !== 'string') return { ok: false, malformed: true, reason: 'proof.proofPurpose: expected a string' };
  const value = p['proofValue'];
  if (typeof value !== 'string' || value[0] !== 'z' || value.length > PROOF_VALUE_CHARS_MAX) return { ok: false, malformed: true, reason: 'proof.proofValue: expected "z" and a base58btc signature' };
  return { ok: true, proof: p as unknown as DataIntegrityProof };
}

/** What a proof's signature covers, once its shape and `@context` rule are checked: the 64 signed bytes and the signature. */
export type SigningInput = { ok: true; proof: DataIntegrityProof; message: Uint8Array; signature: Uint8Array } | { ok: false; malformed: boolean; reason: string };

/**
 * Everything of §3.3.2 "Verify Proof" but the Ed25519 check itself: the
 * proof's shape, the `@context` rule, the signature's encoding and the
 * signed bytes. Split out so that a verifier can run the Ed25519 checks of
 * many credentials in worker threads. Never throws.
 */
export function proofSigningInput(secured: JsonObject): SigningInput {
  const read = readProof(secured);
  if (!read.ok) return read;
  const { proofValue, ...options } = read.proof;
  const { proof: _proof, ...unsecured } = secured;
  // §3.3.2 step 4: a proof's @context must be a prefix of the document's.
  if (options['@context'] !== undefined) {
    const mine = Array.isArray(options['@context']) ? options['@context'] : [options['@context']];
    const theirs = Array.isArray(unsecured['@context']) ? unsecured['@context'] : [unsecured['@context']];
    if (mine.some((c, i) => JSON.stringify(c) !== JSON.stringify(theirs[i]))) return { ok: false, malformed: false, reason: "the proof's @context is not the credential's" };
  }
  let signature: Uint8Array;
  try {
    signature = base58Decode(proofValue!.slice(1), PROOF_VALUE_CHARS_MAX);
  } catch {
    return { ok: false, malformed: true, reason: 'proof.proofValue: not base58btc' };
  }
  if (signature.length !== 64) return { ok: false, malformed: false, reason: `proof.proofValue: expected a 64-byte signature, got ${signature.length} bytes` };
  let message: Uint8Array;
  try {
    message = hashData(unsecured, options as JsonObject);
  } catch {
    return { ok: false, malformed: true, reason: 'the credential is not plain JSON (RFC 8785 cannot canonicalise it)' };
  }
  return { ok: true, proof: read.proof, message, signature };
}

export const SIGNATURE_REASON = 'the signature does not verify with the key of the verification method';

/**
 * Verify an `eddsa-jcs-2022` proof against the Ed25519 public key (hex) its
 * verification method names (§3.3.2 "Verify Proof"). The caller resolves the
 * verification method; this function checks the mathematics and the
 * `@context` rule, and never throws.
 */
export function verifyDocument(secured: JsonObject, publicKey: string): ProofCheck {
  const input = proofSigningInput(secured);
  if (!input.ok) return input;
  if (!verifyBytes(publicKey, input.message, input.signature)) return { ok: false, malformed: false, reason: SIGNATURE_REASON };
  return { ok: true, proof: input.proof };
}

/** Hex of the 64 signed bytes, for tests and explanations. */
export const hashDataHex = (unsecured: JsonObject, proofConfig: JsonObject): string => toHex(hashData(unsecured, proofConfig));
