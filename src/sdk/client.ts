/**
 * A small typed client of a Polity node's HTTP API, used by the CLI, the
 * benchmarks and anyone scripting against a node. Standalone functions over
 * a client value (viem's shape): `createClient({ url })`, then
 * `client.status()`, `client.submitTx(tx)`... Its types are the API's own
 * schemas (src/schemas/); each service adds typed calls of its routes in its
 * client.ts (e.g. `notaryClient(client).receipts(hashes)`).
 *
 * Every failure is a `PolityApiError` carrying the node's `{code, message}`,
 * or code `NODE_UNREACHABLE` when no node answered.
 */
import type { Static } from '@sinclair/typebox';
import type { Genesis } from '../ledger/genesis.js';
import type { SignedTx } from '../ledger/transaction.js';
import type { BlockListT, BlockWithResultsT, NodeStatusT, TxCommittedT, TxLookupT, TxOutcomeT, TxPendingT } from '../schemas/api.js';
import type { ValidatorSets } from '../schemas/api.js';
import { signRequest } from './http-auth.js';
import { PolityApiError } from './errors.js';

export { PolityApiError } from './errors.js';

export type SubmitOutcome = TxOutcomeT;
export type TxStatus = TxPendingT | TxCommittedT | TxLookupT;
/** GET /v1/status: the node's fields, and those its services add (the notary's waiting hashes, …). */
export type NodeStatus = NodeStatusT & Record<string, unknown>;

export interface Client {
  readonly url: string;
  request<T>(method: 'GET' | 'POST', path: string, body?: unknown, options?: { signed?: boolean }): Promise<T>;
  status(): Promise<NodeStatus>;
  genesis(): Promise<Genesis>;
  validatorSets(): Promise<Static<typeof ValidatorSets>>;
  nonce(signer: string): Promise<number>;
  submitTx(tx: SignedTx, options?: { wait?: boolean; timeoutMs?: number }): Promise<TxStatus>;
  submitTxs(txs: SignedTx[]): Promise<SubmitOutcome[]>;
  txStatus(txId: string): Promise<TxStatus>;
  blocks(options?: { limit?: number; before?: number }): Promise<BlockListT>;
  block(ref: number | string): Promise<BlockWithResultsT>;
}

/**
 * A client of one node. With `key`, requests that need a principal
 * (`signed: true`, e.g. the notary's batch endpoint) carry an RFC 9421 signature made
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
    validatorSets: () => request('GET', '/v1/validator-sets'),
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
  };
}
