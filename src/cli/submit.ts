/**
 * Sign a transaction with a key file, submit it, and wait for its block: what
 * every CLI command that changes the chain does. The outcome says what
 * happened in one line, with the code of a refusal.
 */
import type { KeyPair } from '../crypto/ed25519.js';
import type { TxResult } from '../ledger/block.js';
import { signTx } from '../ledger/sign.js';
import { decodeTx } from '../ledger/transaction.js';
import type { Client } from '../sdk/client.js';
import { whyNotCommitted } from './wait-cause.js';

export interface Submitted {
  /** The transaction id (the id of a proposal or operation it creates). */
  id: string;
  status: string;
  result?: TxResult;
  /** The block it committed in. */
  height?: number;
  chainId: string;
  ok: boolean;
  /** When not committed in time: why, as far as the node tells (wait-cause.ts). */
  cause?: string;
}

export async function submitSigned(client: Client, key: KeyPair, module: string, action: string, args: Record<string, unknown>): Promise<Submitted> {
  const [{ chainId }, nonce] = await Promise.all([client.genesis(), client.nonce(key.publicKey)]);
  const tx = signTx({ v: 1, chainId, module, action, args: args as never, signer: key.publicKey, nonce }, key.secretKey);
  const id = decodeTx(tx).id;
  const outcome = await client.submitTx(tx, { wait: true, timeoutMs: 20_000 });
  if (outcome.status !== 'committed') return { id, status: outcome.status, chainId, ok: false, cause: await whyNotCommitted(client) };
  return { id, status: outcome.status, result: outcome.result, height: outcome.height, chainId, ok: outcome.result.code === 'OK' };
}

/** The first event of a type in a result. */
export function eventOf(s: Submitted, type: string): Record<string, unknown> | undefined {
  return s.result?.events.find((e) => e.type === type) as Record<string, unknown> | undefined;
}
