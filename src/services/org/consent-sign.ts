/**
 * Signing and checking an organisation consent (consent.ts says what it is
 * and why). Separate from consent.ts because Ed25519 here is node:crypto's,
 * which the console page cannot load.
 */
import { isHex } from '../../crypto/bytes.js';
import { signBytes, verifyBytes } from '../../crypto/ed25519.js';
import { consentMessage, type ConsentFile, type ConsentUse } from './consent.js';

/** The holder of `publicKey` (its secret key given) consents to be `use` in `org` on `chainId`. */
export function signConsent(p: { chainId: string; org: string; use: ConsentUse; publicKey: string; secretKey: string }): ConsentFile {
  const message = consentMessage(p.chainId, p.org, p.use, p.publicKey);
  const signature = signBytes(p.secretKey, message);
  if (!verifyBytes(p.publicKey, message, signature)) throw new TypeError('the secret key does not belong to the public key');
  return { type: 'polity-org-consent', chainId: p.chainId, org: p.org, use: p.use, key: p.publicKey, signature };
}

export function checkConsent(chainId: string, org: string, use: ConsentUse, key: string, signature: string): boolean {
  return isHex(signature, 64) && verifyBytes(key, consentMessage(chainId, org, use, key), signature);
}
