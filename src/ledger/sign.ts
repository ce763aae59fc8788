/**
 * Signing and Node-side signature checks for ledger objects. Kept apart from
 * the pure format modules (`transaction.ts`, `block.ts`, `receipt.ts`) because
 * it needs `node:crypto`; the browser checks the same bytes with WebCrypto.
 */
import { toHex } from '../crypto/bytes.js';
import { signBytes, signRaw, verifyBytes } from '../crypto/ed25519.js';
import { certificateChecks, hasQuorum, precommitSignBytes, type CommitCertificate, type Precommit } from './block.js';
import type { Validator } from './genesis.js';
import { txIdBytes, txSignMessage, type SignedTx, type TxBody } from './transaction.js';

export function signTx(body: TxBody, secretKeyHex: string): SignedTx {
  return { body, sig: toHex(signRaw(secretKeyHex, txSignMessage(txIdBytes(body)))) };
}

export function signPrecommit(vote: Precommit, secretKeyHex: string): string {
  return signBytes(secretKeyHex, precommitSignBytes(vote));
}

export interface CertificateCheck {
  ok: boolean;
  reason?: string;
  signedPower: number;
  totalPower: number;
}

/** Verify a commit certificate in Node (synchronously, with cached keys). */
export function verifyCertificate(chainId: string, certificate: CommitCertificate, validators: readonly Validator[]): CertificateCheck {
  const { checks, totalPower, error } = certificateChecks(chainId, certificate, validators);
  if (error) return { ok: false, reason: error, signedPower: 0, totalPower };
  let signed = 0;
  for (const c of checks) {
    if (!verifyBytes(c.pubKey, c.message, c.sig)) {
      return { ok: false, reason: `bad signature from validator ${c.pubKey.slice(0, 16)}…`, signedPower: signed, totalPower };
    }
    signed += c.power;
  }
  if (!hasQuorum(signed, totalPower)) {
    return { ok: false, reason: `signers hold ${signed} of ${totalPower} voting power; more than two thirds is needed`, signedPower: signed, totalPower };
  }
  return { ok: true, signedPower: signed, totalPower };
}

