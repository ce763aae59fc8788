/**
 * The subject's pairwise pseudonyms (spec/services/sharing.md §2): one DID
 * per (chain, holder, dataset), derived from one 32-byte secret that only
 * the subject's wallet keeps.
 *
 *   seed      = HMAC-SHA256(k, "polity-sharing:v1:subject:" ‖ chainId ‖ ":" ‖ holder ‖ ":" ‖ dataset)
 *   pseudonym = did:key of the Ed25519 key with that 32-byte seed
 *
 * Why a key and not a bare HMAC tag: the pseudonym must also authorise the
 * subject's consents and revocations, or anyone who learnt a pseudonym
 * could consent in its name. Why pairwise: nobody without k can tell that
 * two pseudonyms (two datasets, two holders) are the same person, so the
 * chain adds no link between a person's records that the holders did not
 * have already. Chain ids, organisation ids and dataset names contain no
 * ':', so the inputs cannot run into each other.
 */
import { createHmac } from 'node:crypto';
import { toHex } from '../../crypto/bytes.js';
import { publicKeyOf, type KeyPair } from '../../crypto/ed25519.js';
import { didKeyFromPublicKey } from '../../crypto/multikey.js';

export const SUBJECT_DOMAIN = 'polity-sharing:v1:subject:';
export const SUBJECT_SECRET_BYTES = 32;

function checkSecret(secret: Uint8Array): void {
  if (!(secret instanceof Uint8Array) || secret.length !== SUBJECT_SECRET_BYTES) throw new TypeError(`subject secret: expected ${SUBJECT_SECRET_BYTES} bytes, got ${secret?.length}`);
}

/** The subject's key pair for one holder's dataset. */
export function subjectKeyPair(secret: Uint8Array, chainId: string, holder: string, dataset: string): KeyPair {
  checkSecret(secret);
  for (const [name, v] of [['chainId', chainId], ['holder', holder], ['dataset', dataset]] as const) {
    if (typeof v !== 'string' || v.length === 0 || v.includes(':')) throw new TypeError(`${name}: expected a non-empty string without ":"`);
  }
  const seed = createHmac('sha256', secret).update(`${SUBJECT_DOMAIN}${chainId}:${holder}:${dataset}`).digest();
  const secretKey = toHex(seed);
  return { publicKey: publicKeyOf(secretKey), secretKey };
}

/** The subject's pseudonym (a did:key) for one holder's dataset. */
export function subjectPseudonym(secret: Uint8Array, chainId: string, holder: string, dataset: string): string {
  return didKeyFromPublicKey(subjectKeyPair(secret, chainId, holder, dataset).publicKey);
}
