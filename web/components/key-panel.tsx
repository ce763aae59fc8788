/**
 * The key panel: a person loads their key file — or makes a new key — in
 * this browser, to sign what they do on the page.
 *
 * The key never leaves the browser: the file is read here, only a
 * non-extractable CryptoKey is kept (web/lib/tx-sign.ts), in memory, until
 * "Forget key" or until the page is left; nothing is uploaded or put in any
 * storage, and the file input lets go of the file at once. A new key's file
 * is offered for saving from memory (a blob: link) and dropped when the key
 * is forgotten.
 *
 * An encrypted key file (`polity keys new --encrypt`) is held locked — the
 * file's text, which is ciphertext — until its passphrase is entered; the
 * passphrase field is emptied as soon as it is read, and neither the
 * passphrase nor the opened seed is kept (web/lib/tx-sign.ts).
 *
 * `#key-status` carries data-key-state: none, error, locked (waiting for a
 * passphrase), or what the page says about the key in use (for the console:
 * admin, not-admin).
 */
import type { ComponentChildren, JSX } from 'preact';
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { formatNumber, sentence } from '../lib/format.js';
import { generateSigningKey, KEY_FILE_BYTES_MAX, KeyFileError, loadSigningKey, sealedKeyOf, type SigningKey } from '../lib/tx-sign.js';
import { CopyButton, Hash, PrivacyNote } from './ui.js';

export interface KeyState {
  key: SigningKey | null;
  /** Bumped whenever the key changes, so slow look-ups for an old key are dropped. */
  generation: number;
  /** What is happening, while a file is read. */
  reading: string | null;
  /** Why the last file could not be used. */
  error: string | null;
  /** What to say while no key is in use. */
  note: string | null;
  /** A key made here: its key file as a blob: URL, until the key is forgotten. */
  created: { url: string; fileName: string } | null;
  /** An encrypted key file waiting for its passphrase: the public key it names and its (encrypted) text. */
  locked: { publicKey: string; text: string } | null;
}

export interface SigningKeys {
  state: KeyState;
  load(file: File): Promise<void>;
  /** Open the locked key file with its passphrase. */
  unlock(passphrase: string): Promise<void>;
  create(): Promise<void>;
  forget(): void;
}

const EMPTY: KeyState = { key: null, generation: 0, reading: null, error: null, note: null, created: null, locked: null };

/** The key in use on this page, and how it is loaded and forgotten. */
export function useSigningKeys(): SigningKeys {
  const [state, setState] = useState<KeyState>(EMPTY);
  const generation = useRef(0);
  const createdUrl = useRef<string | null>(null);
  const dropCreated = () => {
    if (createdUrl.current) URL.revokeObjectURL(createdUrl.current);
    createdUrl.current = null;
  };

  const load = useCallback(async (file: File) => {
    const mine = ++generation.current;
    dropCreated();
    setState({ ...EMPTY, generation: mine, reading: 'Reading the key…' });
    try {
      if (file.size > KEY_FILE_BYTES_MAX) throw new KeyFileError(`this file is ${formatNumber(file.size)} bytes: too large to be a key file`);
      const text = await file.text();
      const sealed = sealedKeyOf(text);
      if (sealed) {
        if (mine === generation.current) setState({ ...EMPTY, generation: mine, locked: { publicKey: sealed.publicKey, text } });
        return;
      }
      const key = await loadSigningKey(text);
      if (mine === generation.current) setState({ ...EMPTY, generation: mine, key });
    } catch (e) {
      if (mine !== generation.current) return;
      if (!(e instanceof KeyFileError)) console.warn('key file', e);
      setState({ ...EMPTY, generation: mine, error: sentence(e instanceof KeyFileError ? e.message : 'the file could not be read') });
    }
  }, []);

  const lockedRef = useRef<KeyState['locked']>(null);
  lockedRef.current = state.locked;
  const unlock = useCallback(async (passphrase: string) => {
    const locked = lockedRef.current;
    if (!locked) return;
    const mine = ++generation.current;
    setState({ ...EMPTY, generation: mine, locked, reading: 'Opening the key with its passphrase…' });
    try {
      const key = await loadSigningKey(locked.text, passphrase, (done) => {
        if (mine === generation.current) setState((s) => (s.reading ? { ...s, reading: `Opening the key with its passphrase… ${Math.round(done * 100)}%` } : s));
      });
      if (mine === generation.current) setState({ ...EMPTY, generation: mine, key });
    } catch (e) {
      if (mine !== generation.current) return;
      if (!(e instanceof KeyFileError)) console.warn('key file', e);
      setState({ ...EMPTY, generation: mine, locked, error: sentence(e instanceof KeyFileError ? e.message : 'the key file could not be opened') });
    }
  }, []);

  const create = useCallback(async () => {
    const mine = ++generation.current;
    dropCreated();
    try {
      const { key, keyFile } = await generateSigningKey();
      if (mine !== generation.current) return;
      createdUrl.current = URL.createObjectURL(new Blob([keyFile], { type: 'application/json' }));
      setState({ ...EMPTY, generation: mine, key, created: { url: createdUrl.current, fileName: `key-${key.publicKey.slice(0, 8)}.json` } });
    } catch (e) {
      if (mine === generation.current) setState({ ...EMPTY, generation: mine, error: sentence(e instanceof KeyFileError ? e.message : 'no key could be made in this browser') });
    }
  }, []);

  const forget = useCallback(() => {
    const mine = ++generation.current;
    dropCreated();
    setState({ ...EMPTY, generation: mine, note: 'Key forgotten: the page is read-only.' });
  }, []);

  // The key lives only as long as the page: it is dropped when the page is left (and not kept in the back/forward cache).
  useEffect(() => {
    const leave = () => {
      generation.current++;
      dropCreated();
      setState(EMPTY);
    };
    window.addEventListener('pagehide', leave);
    return () => window.removeEventListener('pagehide', leave);
  }, []);

  return { state, load, unlock, create, forget };
}

export function KeyPanel(props: {
  keys: SigningKeys;
  title: string;
  /** The file chooser's label and hint. */
  label: string;
  hint: ComponentChildren;
  privacy: ComponentChildren;
  /** What the page says about the key in use (who it is); the panel adds the Forget button. */
  inUse?: ComponentChildren;
  /** Hide the file chooser (the key in use is the one wanted). */
  hideChooser?: boolean;
  /** Offer to make a new key here, and what to say about it. */
  create?: { label: string; hint: ComponentChildren };
}): JSX.Element {
  const { state, load, unlock, create, forget } = props.keys;
  const input = useRef<HTMLInputElement>(null);
  const forgetButton = useRef<HTMLButtonElement>(null);
  const hadKey = useRef(false);

  // After a key is taken into use, focus moves to "Forget key"; after it is forgotten, back to the chooser.
  useEffect(() => {
    if (state.key && !hadKey.current) forgetButton.current?.focus();
    hadKey.current = Boolean(state.key);
  }, [state.key, props.inUse]);

  const onChange = (event: Event) => {
    const el = event.currentTarget as HTMLInputElement;
    const file = el.files?.[0];
    // The input lets go of the file at once: only the CryptoKey stays, in memory.
    el.value = '';
    if (file) void load(file);
  };

  let status: ComponentChildren;
  if (state.reading) status = <p class="muted">{state.reading}</p>;
  else if (state.locked) status = <UnlockForm publicKey={state.locked.publicKey} error={state.error} unlock={unlock} />;
  else if (state.error)
    status = (
      <div class="notice notice-error" data-key-state="error">
        <p class="notice-title">This file cannot be used as a key</p>
        <p>{state.error}</p>
      </div>
    );
  else if (!state.key)
    status = (
      <p class="muted" data-key-state="none">
        {state.note ?? 'No key in use: the page is read-only.'}
      </p>
    );
  else
    status = (
      <div>
        {props.inUse ?? <p class="muted">Looking the key up on the chain…</p>}
        {state.created ? <CreatedKey publicKey={state.key.publicKey} url={state.created.url} fileName={state.created.fileName} /> : null}
        <p class="tight key-actions">
          <button
            type="button"
            class="button button-secondary button-small"
            id="forget-key"
            ref={forgetButton}
            onClick={() => {
              forget();
              setTimeout(() => input.current?.focus(), 0);
            }}
          >
            Forget key
          </button>
        </p>
      </div>
    );

  return (
    <section class="panel key-panel" aria-labelledby="key-title">
      <h2 id="key-title">{props.title}</h2>
      <PrivacyNote id="key-privacy">{props.privacy}</PrivacyNote>
      <div class="key-row" id="key-choose" hidden={props.hideChooser}>
        <label class="key-label" for="key-input">
          <span class="key-label-title">{props.label}</span>
          <span class="muted">{props.hint}</span>
        </label>
        <input id="key-input" ref={input} class="file-input" type="file" accept=".json,application/json" aria-describedby="key-status" onChange={onChange} />
        {props.create && !state.key ? (
          <p class="key-create tight">
            <button type="button" class="button-link" id="create-key" onClick={() => void create()}>
              {props.create.label}
            </button>{' '}
            <span class="muted small">{props.create.hint}</span>
          </p>
        ) : null}
      </div>
      <div id="key-status" class="key-status" role="status" aria-live="polite">
        {status}
      </div>
    </section>
  );
}

/** The passphrase of an encrypted key file: read once on submit, then the field is emptied. */
function UnlockForm(props: { publicKey: string; error: string | null; unlock(passphrase: string): Promise<void> }): JSX.Element {
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => field.current?.focus(), [props.error]);
  const onSubmit = (event: Event) => {
    event.preventDefault();
    const el = field.current;
    if (!el || el.value === '') return;
    const passphrase = el.value;
    el.value = '';
    void props.unlock(passphrase);
  };
  return (
    <form id="key-unlock" class="key-unlock" data-key-state="locked" onSubmit={onSubmit}>
      <p class="tight">
        This key file is encrypted. Key <Hash value={props.publicKey} short />
      </p>
      <p class="tight with-action">
        <label for="key-passphrase">Passphrase</label>{' '}
        <input id="key-passphrase" ref={field} type="password" autocomplete="off" spellcheck={false} aria-invalid={props.error ? 'true' : undefined} aria-describedby={props.error ? 'key-unlock-error' : undefined} />{' '}
        <button type="submit" class="button button-small" id="key-unlock-button">
          Open the key
        </button>
      </p>
      {props.error ? (
        <p class="field-error" id="key-unlock-error">
          {props.error}
        </p>
      ) : null}
      <p class="muted small tight">The passphrase opens the key in this browser only; it is not sent or kept.</p>
    </form>
  );
}

/** A key made in this browser: its public key, and its key file to save now (it is the only copy). */
function CreatedKey(props: { publicKey: string; url: string; fileName: string }): JSX.Element {
  return (
    <div class="notice notice-warn created-key" id="created-key">
      <p class="notice-title">A new key was made in this browser</p>
      <p>
        Save its key file now: it is the only copy, and it is forgotten with the key. Keep it private; give others only the public key.
      </p>
      <p class="with-action">
        <span>
          Public key <Hash value={props.publicKey} />
        </span>
        <CopyButton text={props.publicKey} what="public key" />
      </p>
      <p class="tight">
        <a class="button button-small" href={props.url} download={props.fileName} id="save-key">
          Save the key file
        </a>
      </p>
    </div>
  );
}
