/**
 * A small typed client of a Polity node's HTTP API, used by the CLI, the
 * benchmarks and anyone scripting against a node. Standalone functions over
 * a client value (viem's shape): `createClient({ url })`, then
 * `client.status()`, `client.submitTx(tx)`...
 *
 * Every failure is a `PolityApiError` carrying the node's `{code, message}`,
 * or code `NODE_UNREACHABLE` when no node answered.
 */
import type { Block, BlockHeader, TxResult } from '../ledger/block.js';
import type { Genesis } from '../ledger/genesis.js';
import type { Receipt } from '../ledger/receipt.js';
import type { SignedTx } from '../ledger/transaction.js';
import { signRequest } from './http-auth.js';
import { PolityApiError } from './errors.js';

export { PolityApiError } from './errors.js';


export type SubmitOutcome = { txId: string; status: 'accepted' } | { txId?: string; status: 'rejected'; code: string; message: string };
export type TxStatus =
  | { txId: string; status: 'pending' | 'unknown' }
  | { txId: string; status: 'committed'; height: number; index: number; result: TxResult; blockHash?: string; time?: number; tx?: SignedTx };

export interface NodeStatus {
  chainId: string;
  genesisHash: string;
  nodeKey: string;
  consensus: string;
  height: number;
  latestBlockHash: string;
  latestBlockTime: number;
  stateRoot: string;
  stateKeys: number;
  mempoolTxs: number;
  notaryPendingHashes: number;
  validators: { name: string; pubKey: string; power: number }[];
}

export interface LookupResult {
  hash: string;
  status: 'anchored' | 'pending' | 'unknown';
  mode?: 'signed' | 'batch';
  height?: number;
  time?: number;
  blockHash?: string;
  txId?: string;
  signer?: string;
  meta?: Record<string, string>;
}

export type ReceiptOrError = Receipt | { hash: string; code: string; message: string };

export interface Client {
  readonly url: string;
  request<T>(method: 'GET' | 'POST', path: string, body?: unknown, options?: { signed?: boolean }): Promise<T>;
  status(): Promise<NodeStatus>;
  genesis(): Promise<Genesis>;
  nonce(signer: string): Promise<number>;
  submitTx(tx: SignedTx, options?: { wait?: boolean; timeoutMs?: number }): Promise<TxStatus>;
  submitTxs(txs: SignedTx[]): Promise<SubmitOutcome[]>;
  txStatus(txId: string): Promise<TxStatus>;
  blocks(options?: { limit?: number; before?: number }): Promise<{ height: number; blocks: { hash: string; header: BlockHeader; signatures: number }[] }>;
  block(ref: number | string): Promise<Block & { hash: string; results: TxResult[] }>;
  notaryBatch(hashes: string[]): Promise<{ status: 'pending'; count: number }>;
  receipt(hash: string): Promise<Receipt>;
  receipts(hashes: string[]): Promise<ReceiptOrError[]>;
  lookup(hash: string): Promise<LookupResult>;
}

/**
 * A client of one node. With `key`, requests that need a principal (the
 * notary batch endpoint, `signed: true`) carry an RFC 9421 signature made
 * with it (spec/api-auth.md); every other request is sent as is.
 */
export function createClient(options: { url: string; timeoutMs?: number; key?: { publicKey: string; secretKey: string } }): Client {
  const base = options.url.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? 60_000;

  async function request<T>(method: 'GET' | 'POST', path: string, body?: unknown, o: { signed?: boolean } = {}): Promise<T> {
    let response: Response;
    try {
      const text = body === undefined ? undefined : JSON.stringify(body);
      const headers: Record<string, string> = text === undefined ? {} : { 'content-type': 'application/json' };
      if (o.signed && options.key) Object.assign(headers, signRequest({ method, url: base + path, headers, ...(text === undefined ? {} : { body: text }), keyId: options.key.publicKey, secretKey: options.key.secretKey }));
      response = await fetch(base + path, {
        method,
        headers,
        body: text ?? null,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      const reason = (e as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : 'connection failed';
      throw new PolityApiError(0, 'NODE_UNREACHABLE', `cannot reach the node at ${base} (${reason}); is \`polity start\` running?`);
    }
    const text = await response.text();
    let data: unknown;
    try {
      data = text.length ? JSON.parse(text) : undefined;
    } catch {
      throw new PolityApiError(response.status, 'BAD_RESPONSE', `the node at ${base} answered something that is not JSON`);
    }
    if (response.status >= 400) {
      const err = (data ?? {}) as { code?: string; message?: string; details?: unknown };
      throw new PolityApiError(response.status, err.code ?? 'HTTP_' + response.status, err.message ?? response.statusText, err.details);
    }
    return data as T;
  }

  return {
    url: base,
    request,
    status: () => request('GET', '/v1/status'),
    genesis: () => request('GET', '/v1/genesis'),
    nonce: async (signer) => (await request<{ nonce: number }>('GET', `/v1/accounts/${signer}`)).nonce,
    submitTx: (tx, o = {}) => request('POST', `/v1/tx${o.wait ? `?wait=commit&timeoutMs=${o.timeoutMs ?? 10_000}` : ''}`, tx),
    submitTxs: async (txs) => {
      try {
        return (await request<{ results: SubmitOutcome[] }>('POST', '/v1/txs', { txs })).results;
      } catch (e) {
        const details = (e as PolityApiError).details as { results?: SubmitOutcome[] } | undefined;
        if (e instanceof PolityApiError && e.code === 'TX_REJECTED' && details?.results) return details.results;
        throw e;
      }
    },
    txStatus: async (txId) => {
      try {
        return await request<TxStatus>('GET', `/v1/txs/${txId}`);
      } catch (e) {
        if (e instanceof PolityApiError && e.status === 404) return { txId, status: 'unknown' };
        throw e;
      }
    },
    blocks: (o = {}) => {
      const q = new URLSearchParams();
      if (o.limit) q.set('limit', String(o.limit));
      if (o.before) q.set('before', String(o.before));
      return request('GET', `/v1/blocks${q.size ? `?${q}` : ''}`);
    },
    block: (ref) => request('GET', `/v1/blocks/${ref}`),
    notaryBatch: (hashes) => request('POST', '/v1/notary/batch', { hashes }, { signed: true }),
    receipt: (hash) => request('GET', `/v1/notary/receipts/${hash}`),
    receipts: async (hashes) => (await request<{ receipts: ReceiptOrError[] }>('POST', '/v1/notary/receipts', { hashes })).receipts,
    lookup: (hash) => request('GET', `/v1/notary/hashes/${hash}`),
  };
}

export function isReceipt(value: ReceiptOrError): value is Receipt {
  return (value as Receipt).type === 'polity.notary.receipt';
}
