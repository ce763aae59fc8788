/**
 * Signing and checking consents and revocations with Ed25519 through
 * node:crypto (the module, the CLI and tests); the formats are consent.ts.
 */
import { signBytes, verifyBytes } from '../../crypto/ed25519.js';
import { consentMessage, erasureMessage, revokeMessage, type Consent, type ErasureDoc } from './consent-format.js';

export function signConsent(consent: Consent, secretKey: string): string {
  return signBytes(secretKey, consentMessage(consent));
}

export function signRevocation(chainId: string, id: string, secretKey: string): string {
  return signBytes(secretKey, revokeMessage(chainId, id));
}

export function signErasure(erasure: ErasureDoc, secretKey: string): string {
  return signBytes(secretKey, erasureMessage(erasure));
}

/** Is `signature` the signature of `message` by `publicKey` (hex)? Never throws. */
export function signedBy(publicKey: string, message: Uint8Array, signature: string): boolean {
  try {
    return verifyBytes(publicKey, message, signature);
  } catch {
    return false;
  }
}
