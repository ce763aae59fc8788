/**
 * The consent's wire format without its schema (spec/services/sharing.md
 * §3): patterns, limits, the document's type and the exact bytes signed.
 * No imports beyond canonical JSON and bytes, so the web page builds and
 * signs consents with the same code (WebCrypto), and the module, the CLI
 * and the page can never disagree on what a signature covers. The TypeBox
 * schema of the same document is consent.ts.
 */
import { canonicalJson } from '../../crypto/canonical-json.js';
import { utf8Encode } from '../../crypto/bytes.js';

/** Longest purpose a consent, request or access entry states (characters). */
export const PURPOSE_CHARS_MAX = 128;
/** Most fields one consent, request or entry names. */
export const FIELDS_MAX = 64;
/** A field's name: an identifier, never a value. */
export const FIELD_NAME_PATTERN = '^[a-z][a-zA-Z0-9_]{0,31}$';
/** A dataset's name: a slug, a path segment of routes and state keys. */
export const DATASET_NAME_PATTERN = '^[a-z][a-z0-9-]{1,47}$';
export const DATASET_NAME_RE = new RegExp(DATASET_NAME_PATTERN);
/** A subject: a did:key (Ed25519) or a did:polity. */
export const SUBJECT_PATTERN = '^(did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{40,50}|did:polity:[0-9a-f]{32})$';
export const SUBJECT_RE = new RegExp(SUBJECT_PATTERN);

/** The consent document the subject signs (its schema: consent.ts). */
export interface Consent {
  type: 'polity-sharing-consent';
  v: 1;
  chainId: string;
  /** 32 random bytes chosen by the signer, hex: the consent's id on the chain, used once. */
  id: string;
  subject: string;
  /** The organisation holding the data, and its dataset. */
  holder: string;
  dataset: string;
  fields: string[];
  /** The only organisation the consent lets read. */
  recipient: string;
  purpose: string;
  /** Expiry, ms since the epoch (block time). */
  until: number;
}

export const CONSENT_DOMAIN = 'polity-sharing-consent:v1:';
export const REVOKE_DOMAIN = 'polity-sharing-revoke:v1:';

export function consentMessage(consent: Consent): Uint8Array {
  return utf8Encode(CONSENT_DOMAIN + canonicalJson(consent));
}

export function revokeMessage(chainId: string, id: string): Uint8Array {
  return utf8Encode(`${REVOKE_DOMAIN}${chainId}:${id}`);
}

/**
 * The subject's erasure request (spec §12a): signed by the same pairwise
 * pseudonym key as consents, so only the subject asks. Naming a record is
 * optional: without one it asks for every record the holder files under
 * this pseudonym in the dataset (the subject rarely knows record ids).
 */
export interface ErasureDoc {
  type: 'polity-sharing-erasure';
  v: 1;
  chainId: string;
  /** 32 random bytes chosen by the signer, hex: the request's id, used once. */
  id: string;
  subject: string;
  holder: string;
  dataset: string;
  recordId?: string;
}

export const ERASURE_DOMAIN = 'polity-sharing-erasure:v1:';

export function erasureMessage(erasure: ErasureDoc): Uint8Array {
  return utf8Encode(ERASURE_DOMAIN + canonicalJson(erasure as never));
}
