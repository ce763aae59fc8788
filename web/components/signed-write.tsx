/**
 * The signed-write flow: build a transaction, sign it here with the key in
 * use (WebCrypto Ed25519), post it with ?wait=commit, and say what happened
 * in words: still signing, sent and waiting, committed (the page says what
 * it did), not yet in a block, or refused with the node's error code, what
 * the code means and the node's sentence.
 *
 * One write at a time per page: a transaction takes the signer's next nonce,
 * so a second one signed before the first commits would be refused.
 *
 * An outcome region carries data-outcome (pending, done, waiting, executed,
 * open, rejected, failed, refused, invalid) and data-code once a write has
 * finished, for tests and assistive technology alike.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useRef, useState } from 'preact/hooks';
import type { Json } from '../../src/crypto/canonical-json.js';
import type { ErrorTable } from '../../src/ledger/errors.js';
import type { Genesis } from '../../src/ledger/genesis.js';
import type { TxResult } from '../../src/ledger/block.js';
import { ApiError, getJson, request } from '../lib/api.js';
import type { AccountResponse, SubmitResponse } from '../lib/api-types.js';
import { formatNumber, sentence } from '../lib/format.js';
import { signTransaction, type SigningKey } from '../lib/tx-sign.js';
import { ErrorSummary, type FieldError } from './form.js';
import { Hash } from './ui.js';

/** How long the node holds a ?wait=commit request open. */
export const COMMIT_WAIT_MS = 20_000;

export type OutcomeKind = 'pending' | 'done' | 'waiting' | 'executed' | 'open' | 'rejected' | 'failed' | 'refused' | 'invalid';

export interface Outcome {
  kind: OutcomeKind;
  tone: 'info' | 'ok' | 'wait' | 'error';
  title: ComponentChildren;
  details?: ComponentChildren[];
  code?: string;
  fields?: readonly FieldError[];
}

/** A transaction in a block whose result is OK. */
export interface Committed {
  id: string;
  height: number;
  result: TxResult;
}

/** The live region that says how a write went. */
export function OutcomeRegion(props: { id: string; outcome: Outcome | null }): JSX.Element {
  const o = props.outcome;
  return (
    <div class="outcome" id={props.id} role="status" aria-live="polite" tabIndex={-1} data-outcome={o?.kind} data-code={o?.code}>
      {o ? (
        <div class={`outcome-box outcome-${o.tone}`}>
          <p class="outcome-title">{o.title}</p>
          {o.fields ? <ErrorSummary errors={o.fields} /> : null}
          {(o.details ?? []).map((d, i) => (typeof d === 'string' ? <p key={i}>{d}</p> : <div key={i}>{d}</div>))}
        </div>
      ) : null}
    </div>
  );
}

/** The outcome of a submit that signed nothing because fields are wrong. */
export const invalidOutcome = (fields: readonly FieldError[]): Outcome => ({ kind: 'invalid', tone: 'error', title: 'Nothing was signed: correct the marked fields.', fields });

/** A link to a committed transaction in the explorer. */
export function TxLink(props: { id: string; height: number }): JSX.Element {
  return (
    <p class="muted small">
      In block {formatNumber(props.height)} · <a href={`/explorer#/tx/${props.id}`}>see the transaction</a>
    </p>
  );
}

let chainIdPromise: Promise<string> | undefined;
/** The chain id every transaction names (from the node's genesis, read once). */
function chainId(): Promise<string> {
  chainIdPromise ??= getJson<Genesis>('/v1/genesis').then(
    (g) => g.chainId,
    (e: unknown) => {
      chainIdPromise = undefined;
      throw e;
    },
  );
  return chainIdPromise;
}

export interface Writer {
  /** A write is being signed or waits for its block. */
  busy: boolean;
  /**
   * Sign `module.action(args)` with `key`, send it, wait for its block, and
   * return it when its result is OK. Otherwise say why in `say` and return
   * undefined.
   */
  send(say: (o: Outcome) => void, key: SigningKey, module: string, action: string, args: Record<string, Json>): Promise<Committed | undefined>;
}

/**
 * The page's writer. `meanings` are the error tables of the services the
 * page writes to (their `errors.ts`), so a refusal says what its code means.
 */
export function useWriter(meanings: ErrorTable = {}): Writer {
  const [busy, setBusy] = useState(false);
  const busyRef = useRef(false);
  const send = useCallback(
    async (say: (o: Outcome) => void, key: SigningKey, module: string, action: string, args: Record<string, Json>): Promise<Committed | undefined> => {
      if (busyRef.current) return undefined;
      busyRef.current = true;
      setBusy(true);
      const refuse = (code: string, message: string, committed: boolean) =>
        say({
          kind: 'refused',
          tone: 'error',
          code,
          title: `Refused: ${code}`,
          details: [
            ...(meanings[code] ? [`${sentence(meanings[code].meaning)}`] : []),
            sentence(message),
            committed ? 'The transaction is in a block but changed nothing (it used up one of your transaction numbers).' : 'The node did not take the transaction: nothing changed.',
          ],
        });
      try {
        say({ kind: 'pending', tone: 'info', title: 'Signing…' });
        const [chain, account] = await Promise.all([chainId(), getJson<AccountResponse>(`/v1/accounts/${key.publicKey}`)]);
        const { tx, id } = await signTransaction({ v: 1, chainId: chain, module, action, args, signer: key.publicKey, nonce: account.nonce }, key);
        say({ kind: 'pending', tone: 'info', title: 'Sent; waiting for the next block…', details: [<p class="muted">Transaction <Hash value={id} short /></p>] });
        const { status, body } = await request<SubmitResponse>(`/v1/tx?wait=commit&timeoutMs=${COMMIT_WAIT_MS}`, { method: 'POST', body: JSON.stringify(tx) });
        if (status !== 200 || body.status !== 'committed') {
          say({
            kind: 'pending',
            tone: 'wait',
            title: 'Sent, but not in a block yet',
            details: [
              <p>
                The node accepted transaction <Hash value={id} short /> but no block included it within {COMMIT_WAIT_MS / 1000} seconds. It may still be included:{' '}
                <a href={`/explorer#/tx/${id}`}>follow it in the explorer</a>, and refresh this page later.
              </p>,
            ],
          });
          return undefined;
        }
        if (body.result.code !== 'OK') {
          refuse(body.result.code, body.result.message ?? 'the chain refused the change', true);
          return undefined;
        }
        return { id, height: body.height, result: body.result };
      } catch (e) {
        if (e instanceof ApiError) refuse(e.code, e.message, false);
        else if (e instanceof Error && typeof (e as { code?: unknown }).code === 'string') refuse((e as Error & { code: string }).code, e.message, false);
        else {
          refuse('BROWSER', 'the transaction could not be signed in this browser', false);
          console.warn('sign and send', e);
        }
        return undefined;
      } finally {
        busyRef.current = false;
        setBusy(false);
      }
    },
    [meanings],
  );
  return { busy, send };
}

/** The events of a result with a given type. */
export const eventOf = (result: TxResult, type: string): TxResult['events'][number] | undefined => result.events.find((e) => e.type === type);
