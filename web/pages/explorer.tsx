/**
 * The block explorer (/ and /explorer): the latest blocks, a block with its
 * transactions and commit certificate, a transaction, and the notary record
 * of a document hash, found by its hash or by its public reference (a case or
 * file number). Hash routing (#/, #/block/12, #/tx/<id>, #/doc/<hash>)
 * keeps every view linkable with no server-side routes.
 *
 * Everything shown comes from this node's HTTP API; nothing is trusted
 * blindly where the browser can check it: on a block page the block hash is
 * recomputed from the header and each certificate signature is verified with
 * WebCrypto Ed25519 against the validator set, with the ledger code the node
 * runs.
 */
import type { JSX } from 'preact';
import { useRef, useState } from 'preact/hooks';
import { mountPage } from '../app.js';
import { ApiError, getJson, notFoundAs } from '../lib/api.js';
import type { NotaryLookupResponse } from '../lib/api-types.js';
import { useFocusHeadingOnArrival, useHashRoute } from '../lib/hooks.js';
import { BlockView } from './explorer/block.js';
import { isHash } from './explorer/chain.js';
import { Home, REFRESH_MS } from './explorer/home.js';
import { PageNotFound } from './explorer/parts.js';
import { DocView, TxView } from './explorer/records.js';

function Explorer(): JSX.Element {
  const route = useHashRoute();
  const navigations = useRef(-1);
  const last = useRef('');
  const key = route.join('/');
  if (key !== last.current) {
    last.current = key;
    navigations.current++;
  }
  const [arrived, setArrived] = useState('');
  useFocusHeadingOnArrival(navigations.current, arrived === key);
  const onLoaded = () => setArrived(key);

  let view: JSX.Element;
  const [kind, arg] = route;
  if (route.length === 0) view = <Home onLoaded={onLoaded} />;
  else if (kind === 'block' && arg) view = <BlockView key={arg} blockRef={arg} onLoaded={onLoaded} />;
  else if (kind === 'tx' && arg && isHash(arg)) view = <TxView key={arg} id={arg} onLoaded={onLoaded} />;
  else if (kind === 'doc' && arg && isHash(arg)) view = <DocView key={arg} hash={arg} onLoaded={onLoaded} />;
  else view = <PageNotFound />;
  if (route.length === 0) document.title = 'Explorer · Polity';

  return (
    <>
      <Search />
      <div id="view">{view}</div>
    </>
  );
}

/** GET /v1/notary/references/{reference} */
interface ReferenceList {
  reference: string;
  items: { hash: string; height: number; time: number; timeIso: string; txId: string; signer: string; docType?: string }[];
  next: string | null;
}

/** Longest document reference (`meta.reference`, src/services/notary/module.ts). */
const REFERENCE_CHARS_MAX = 128;
/** Documents of one reference listed under the search box. */
const REFERENCE_LIST_MAX = 20;

/** Find a block, a transaction, a DID or a document by what a person has: a height, a hash, a DID, a document's reference. */
function Search(): JSX.Element {
  const [text, setText] = useState('');
  const [message, setMessage] = useState<{ text: string; error: boolean }>({ text: '', error: false });
  const [found, setFound] = useState<ReferenceList['items']>([]);

  const go = (hash: string) => {
    setMessage({ text: '', error: false });
    setFound([]);
    setText('');
    if (location.hash === hash) window.dispatchEvent(new HashChangeEvent('hashchange'));
    else location.hash = hash;
  };
  const fail = (t: string) => setMessage({ text: t, error: true });

  /** Anything that is no height, hash or DID may be a document's reference: exact, case as typed. */
  const searchReference = async (reference: string) => {
    if (reference.length > REFERENCE_CHARS_MAX) return fail(`No document has this reference: a reference is at most ${REFERENCE_CHARS_MAX} characters.`);
    setMessage({ text: 'Searching…', error: false });
    try {
      const list = await getJson<ReferenceList>(`/v1/notary/references/${encodeURIComponent(reference)}?limit=${REFERENCE_LIST_MAX}`);
      if (list.items.length === 0) return fail(`No document on this chain has the reference ${reference}. Enter a block height, a DID, a 64-character hash or a document's exact reference (capitals count).`);
      if (list.items.length === 1) return go(`#/doc/${list.items[0]!.hash}`);
      const count = list.next === null ? `${list.items.length} documents have` : `More than ${list.items.length} documents have`;
      setFound(list.items);
      setMessage({ text: `${count} the reference ${reference}${list.next === null ? '' : `; the newest ${list.items.length} are listed`}:`, error: false });
    } catch (e) {
      fail(e instanceof ApiError ? e.message : 'The search failed.');
    }
  };

  const search = async (raw: string) => {
    const trimmed = raw.trim();
    setMessage({ text: '', error: false });
    setFound([]);
    // A DID (did:polity, did:key): its document and history are on the DID page, resolved there.
    if (/^did:[a-z0-9]+:/i.test(trimmed)) {
      if (!/^did:(polity|key):[A-Za-z0-9._:%-]{1,200}$/.test(trimmed)) return fail('This node resolves did:polity and did:key DIDs: check the DID.');
      location.assign(`/did?${new URLSearchParams({ did: trimmed })}`);
      return;
    }
    const q = trimmed.toLowerCase().replace(/^0x/, '');
    if (q === '') return;
    if (/^\d{1,15}$/.test(q) || q === 'latest') return go(`#/block/${q}`);
    if (!isHash(q)) return searchReference(trimmed);
    setMessage({ text: 'Searching…', error: false });
    try {
      // The notary look-up answers for any hash, so it goes first; only then are the
      // transaction and block look-ups tried (they answer 404 when absent).
      const doc = await getJson<NotaryLookupResponse>(`/v1/notary/hashes/${q}`);
      if (doc.status === 'anchored' || doc.status === 'pending') return go(`#/doc/${q}`);
      if (await getJson(`/v1/txs/${q}`).catch(notFoundAs(null))) return go(`#/tx/${q}`);
      if (await getJson(`/v1/blocks/${q}`).catch(notFoundAs(null))) return go(`#/block/${q}`);
      fail('Nothing on this chain has this hash: it is not a block, a transaction, or an anchored document.');
    } catch (e) {
      fail(e instanceof ApiError ? e.message : 'The search failed.');
    }
  };

  return (
    <div class="search-band">
      <form
        class="search"
        id="search-form"
        role="search"
        onSubmit={(event) => {
          event.preventDefault();
          void search(text);
        }}
      >
        <label for="search-input">Search the ledger</label>
        <p class="search-hint" id="search-hint">
          A block height, a block hash, a transaction id, a DID (did:polity:…), the SHA-256 of a document or its reference (a case or file number)
        </p>
        <div class="search-row">
          <input
            id="search-input"
            name="q"
            type="search"
            autocomplete="off"
            spellcheck={false}
            placeholder="e.g. 12, or a 64-character hash"
            aria-describedby="search-hint search-message"
            value={text}
            onInput={(e) => setText((e.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit" class="button">
            Search
          </button>
        </div>
        <p id="search-message" class={`search-message ${message.error ? 'search-message-error' : ''}`} role="status" aria-live="polite">
          {message.text}
        </p>
        {found.length > 0 && (
          <ul id="search-results" class="search-results">
            {found.map((doc) => (
              <li key={doc.hash}>
                <a href={`#/doc/${doc.hash}`} onClick={() => go(`#/doc/${doc.hash}`)}>
                  <code>{doc.hash.slice(0, 16)}…</code>
                </a>{' '}
                {doc.docType ? `${doc.docType}, ` : ''}block {doc.height}, {doc.timeIso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC')}
              </li>
            ))}
          </ul>
        )}
      </form>
    </div>
  );
}

mountPage(<Explorer />, { refreshMs: REFRESH_MS });
