/**
 * A key holder's consent to be bound to a use in an organisation: the
 * Ed25519 signature, by that key, of
 *
 *   polity-org-consent:v1:<chainId>:<org>:<use>:<key>
 *
 * with `use` one of `official`, `admin`, `node`. An organisation's admins
 * carry it in the operation that binds the key (registerOfficial, setAdmins
 * for each new admin key, rotateNode for the new node key), and the org
 * module checks it.
 *
 * Why: without it, any organisation could register as its own official a
 * key it does not hold: another organisation's proposed admin or node key
 * (blocking that organisation's rotation, since a key has one use), or a
 * validator's node key. A key now joins an organisation only when its holder
 * says so. The statement names its purpose and version, the chain, the
 * organisation, the use and the key, so a consent means nothing as a
 * transaction or session signature, on another chain, for another
 * organisation or for another use (domain separation). Chain ids and
 * organisation ids contain no ':', so the fields cannot run into each other.
 *
 * No `node:` imports, so the console page reads consents with the same code;
 * signing and checking, which need Ed25519, are in consent-sign.ts (the
 * module, the CLI's `polity org consent` and SDK users).
 */
import { isHex } from '../../crypto/bytes.js';

export type ConsentUse = 'official' | 'admin' | 'node';
export const CONSENT_USES: readonly ConsentUse[] = ['official', 'admin', 'node'];

/** What `polity org consent` writes and the CLI and console read: the signature with what it is about. */
export interface ConsentFile {
  type: 'polity-org-consent';
  chainId: string;
  org: string;
  use: ConsentUse;
  key: string;
  signature: string;
}

export function consentMessage(chainId: string, org: string, use: ConsentUse, key: string): Uint8Array {
  return new TextEncoder().encode(`polity-org-consent:v1:${chainId}:${org}:${use}:${key}`);
}

/** Consent files in a text (one JSON object, an array of them, or one per line), or a message saying what is wrong. */
export function parseConsents(text: string): ConsentFile[] | string {
  const trimmed = text.trim();
  if (trimmed === '') return [];
  let values: unknown[];
  try {
    const parsed: unknown = JSON.parse(trimmed);
    values = Array.isArray(parsed) ? parsed : [parsed];
  } catch {
    try {
      values = trimmed.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l) as unknown);
    } catch {
      return 'expected the JSON that `polity org consent` prints (one per line for several)';
    }
  }
  const out: ConsentFile[] = [];
  for (const v of values) {
    const c = v as Partial<ConsentFile> | null;
    if (!c || typeof c !== 'object' || c.type !== 'polity-org-consent' || !isHex(c.key, 32) || !isHex(c.signature, 64) || !CONSENT_USES.includes(c.use as ConsentUse) || typeof c.org !== 'string' || typeof c.chainId !== 'string') {
      return 'a consent must be {"type":"polity-org-consent", chainId, org, use, key, signature}, as `polity org consent` prints it';
    }
    out.push(c as ConsentFile);
  }
  return out;
}
