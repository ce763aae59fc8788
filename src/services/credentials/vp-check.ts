/**
 * One presentation checked for one OpenID4VP request (routes-vp.ts): the
 * holder's proof, the audience (the verifier's client_id) and the request's
 * nonce, then each credential as verify.ts does (issuance, trust, claims,
 * status, validity), with presentation.ts. A Polity verifier asks for one
 * credential, so exactly one must be presented.
 *
 * The nonce is single use because the request is (verifier-requests.ts
 * takes a request once, before this runs): the nonce check here only
 * compares it with the request's.
 */
import type { Json } from '../../crypto/canonical-json.js';
import { claimsProblem } from './claims.js';
import { verifyPresentation } from './presentation.js';
import { LOGGED_REFUSALS } from './usage-log.js';

export interface PresentationCheck {
  verified: boolean;
  code?: string;
  message?: string;
  credentialHash?: string;
  credentialType?: string;
  issuer?: { org: string; did: string; height: number };
  /** The claims presented (for an SD-JWT, the disclosed ones only). */
  claims?: Record<string, unknown>;
  holder?: string;
}

export function checkPresentation(get: (key: string) => Json | undefined, presentation: string, expect: { audience: string; nonce: string; nowMs: number }): PresentationCheck {
  const v = verifyPresentation(get, presentation, { audience: expect.audience, nonce: expect.nonce }, { nowMs: expect.nowMs, claimsProblem, takeNonce: (n) => (n === expect.nonce ? 'ok' : 'unknown') });
  if (!v.verified) {
    // A credential refused for its status or validity was genuinely issued and shown by its holder: name it (usage log).
    const i = v.credentials.length === 1 && LOGGED_REFUSALS.includes(v.code!) ? v.credentials[0]!.issuance : undefined;
    return { verified: false, code: v.code!, message: v.message!, ...(i ? { credentialHash: i.hash, credentialType: i.credentialType } : {}) };
  }
  if (v.credentials.length !== 1) return { verified: false, code: 'CREDENTIALS_PRESENTATION_MALFORMED', message: `the request asks for one credential; the presentation holds ${v.credentials.length}` };
  const c = v.credentials[0]!;
  const i = c.issuance!;
  const claims = { ...(c.claims ?? {}) } as Record<string, unknown>;
  delete claims['id'];
  return { verified: true, credentialHash: i.hash, credentialType: i.credentialType, issuer: { org: i.org, did: i.issuer, height: i.height }, claims, ...(v.holder ? { holder: v.holder } : {}) };
}
