/** Typed calls of the notary's routes, over an SDK client (src/sdk/client.ts). */
import type { Static } from '@sinclair/typebox';
import type { Client } from '../../sdk/client.js';
import type { BatchQueued, LookupT, ReceiptErrorT, Receipts, ReceiptT } from './schemas.js';

export type ReceiptOrError = ReceiptT | ReceiptErrorT;

export interface NotaryClient {
  /** Queue hashes for aggregation (a signed request: the client needs a key). */
  batch(hashes: readonly string[]): Promise<Static<typeof BatchQueued>>;
  receipt(hash: string): Promise<ReceiptT>;
  receipts(hashes: readonly string[]): Promise<ReceiptOrError[]>;
  lookup(hash: string): Promise<LookupT>;
}

export function notaryClient(client: Client): NotaryClient {
  return {
    batch: (hashes) => client.request('POST', '/v1/notary/batch', { hashes }, { signed: true }),
    receipt: (hash) => client.request('GET', `/v1/notary/receipts/${hash}`),
    receipts: async (hashes) => (await client.request<Static<typeof Receipts>>('POST', '/v1/notary/receipts', { hashes })).receipts,
    lookup: (hash) => client.request('GET', `/v1/notary/hashes/${hash}`),
  };
}

export function isReceipt(value: ReceiptOrError): value is ReceiptT {
  return (value as ReceiptT).type === 'polity.notary.receipt';
}
