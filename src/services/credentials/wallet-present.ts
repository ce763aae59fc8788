/**
 * What a holder's wallet does with an OpenID4VP request (spec §11): find the
 * credential that answers it, make the presentation that shows only what is
 * asked — for an SD-JWT VC, only the asked disclosures, bound to the
 * verifier's client_id and nonce; for a W3C credential, a vp+jwt around it —
 * and the usage-log ticket of this presentation.
 *
 * Pure: the holder's key, time and the usage-log state come in as arguments.
 */
import { didKeyFromPublicKey } from '../../crypto/multikey.js';
import { publicKeyOf } from '../../crypto/ed25519.js';
import type { JsonObject } from './data-integrity.js';
import { presentSdJwt, readSdJwt, typeOfVct } from './sd-jwt.js';
import { signVpJwt } from './presentation.js';
import type { PresentationAsk, ReadRequest } from './oid4vp.js';
import { usageTicket, type UsageTicket } from './usage-log.js';

export type HeldCredential = JsonObject | string;

/** The form and type of a held credential, or undefined when the wallet cannot read it. */
export function describeHeld(c: HeldCredential): { form: 'sd-jwt' | 'jwt' | 'data-integrity'; credentialType: string; claims: string[] } | undefined {
  if (typeof c === 'string') {
    const text = c.trim();
    if (text.includes('~')) {
      const r = readSdJwt(text);
      if (!r.ok) return undefined;
      const t = typeOfVct(r.payload['vct']);
      return t ? { form: 'sd-jwt', credentialType: t, claims: Object.keys(r.disclosed).filter((n) => n !== 'sub') } : undefined;
    }
    const parts = text.split('.');
    if (parts.length !== 3) return undefined;
    try {
      return describeObject(JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')), 'jwt');
    } catch {
      return undefined;
    }
  }
  return describeObject(c, 'data-integrity');
}

function describeObject(o: unknown, form: 'jwt' | 'data-integrity'): ReturnType<typeof describeHeld> {
  const type = (o as { type?: unknown })?.type;
  const subject = (o as { credentialSubject?: unknown })?.credentialSubject;
  if (!Array.isArray(type) || type[0] !== 'VerifiableCredential' || typeof type[1] !== 'string') return undefined;
  const claims = subject && typeof subject === 'object' ? Object.keys(subject).filter((n) => n !== 'id') : [];
  return { form, credentialType: type[1], claims };
}

/** Does a held credential answer the ask (its type, its format, every asked claim)? */
export function answers(c: HeldCredential, ask: PresentationAsk): boolean {
  const d = describeHeld(c);
  if (!d || d.credentialType !== ask.credentialType) return false;
  if ((ask.format === 'dc+sd-jwt') !== (d.form === 'sd-jwt')) return false;
  return ask.claims.every((n) => d.claims.includes(n));
}

export interface Holder {
  /** The holder's Ed25519 seed (hex): the key its credentials are bound to. */
  secretKey: string;
  /** Its DID (did:key by default). */
  did?: string;
}

/** The presentation of `c` for this request: only the asked claims, for its client_id and nonce. */
export function presentationFor(c: HeldCredential, request: ReadRequest, holder: Holder, nowS: number): string {
  const d = describeHeld(c);
  if (!d) throw new TypeError('the wallet cannot read this credential');
  const audience = request.payload.client_id;
  const nonce = request.payload.nonce;
  if (d.form === 'sd-jwt') return presentSdJwt(c as string, { disclose: request.ask.claims, holderSecretKey: holder.secretKey, audience, nonce, iat: nowS });
  // A W3C credential is shown whole, inside a vp+jwt: it has no selective disclosure.
  return signVpJwt({ credentials: [c], holder: holder.did ?? didKeyFromPublicKey(publicKeyOf(holder.secretKey)), holderSecretKey: holder.secretKey, audience, nonce });
}

/** The holder's usage-log state: its secret and the index of its next presentation. */
export interface UsageState {
  /** 32 bytes, hex. */
  secret: string;
  next: number;
}

/** The ticket for the next presentation, and the state to save before the response is sent (a ticket is never handed out twice). */
export function takeTicket(state: UsageState): { ticket: UsageTicket; index: number; state: UsageState } {
  const index = state.next;
  return { ticket: usageTicket(Buffer.from(state.secret, 'hex'), index), index, state: { ...state, next: index + 1 } };
}
