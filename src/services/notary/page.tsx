/**
 * "Verify a document" (/verify): checks a file against its notary receipt
 * entirely in the browser.
 *
 *   1. the file is hashed here with WebCrypto SHA-256 (it is never uploaded);
 *   2. `checkReceipt` — the ledger module the node runs — redoes every hash
 *      link of the receipt against the genesis;
 *   3. each commit-certificate signature is checked with WebCrypto Ed25519,
 *      and the signers must hold more than two thirds of the voting power —
 *      for the block, and for each validator-set handover that leads to its
 *      set from the genesis set;
 *   4. the anchoring transaction's own signature, by its signer.
 *
 * The genesis (the validator set to trust) comes from this node by default,
 * or from a file for a check that trusts no node.
 *
 * The result (#verify-result) carries data-status="verified" or "failed"
 * once a check has finished, and no data-status otherwise.
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { isHex } from '../../crypto/bytes.js';
import { genesisHash, parseGenesis, type Genesis, type Validator } from '../../ledger/genesis.js';
import { checkReceipt, malformed, TX_SIGNATURE_REASON, type ReceiptFacts } from '../../ledger/receipt.js';
import { mountPage } from '../../../web/app.js';
import { getJson } from '../../../web/lib/api.js';
import { memberInWords } from '../../../web/lib/members.js';
import { verifyCertificate } from '../../../web/lib/certificates.js';
import { formatBytes, formatNumber, formatTimeLong, shortHex, sentence } from '../../../web/lib/format.js';
import { ed25519Verify, hasWebCrypto, sha256File } from '../../../web/lib/webcrypto.js';
import { Fields, Hash, MetaList, PrivacyNote, type FieldRow } from '../../../web/components/ui.js';

const RECEIPT_BYTES_MAX = 4 * 1024 * 1024;
const GENESIS_BYTES_MAX = 4 * 1024 * 1024;

interface DocEntry {
  file: File;
  hash?: string;
  error?: string;
}
interface JsonEntry<T> {
  file: File;
  value?: T;
  error?: string;
}

type Result =
  | { kind: 'idle'; message: string }
  | { kind: 'checking'; message: string }
  | { kind: 'failed'; title: string; reason: string; hint?: string; details?: FieldRow[] }
  | { kind: 'verified'; facts: ReceiptFacts; signedPower: number; totalPower: number; signers: string[]; names: Map<string, string>; handovers: number; genesis: Genesis; genesisLabel: string; docName: string };

async function readJson(file: File, bytesMax: number, what: string): Promise<unknown> {
  if (file.size > bytesMax) throw new Error(`this file is ${formatBytes(file.size)}, too large to be ${what}`);
  const text = await file.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new Error(`this file is not JSON, so it cannot be ${what}`);
  }
}

let nodeGenesis: Promise<Genesis> | undefined;
function loadNodeGenesis(): Promise<Genesis> {
  nodeGenesis ??= getJson<unknown>('/v1/genesis')
    .then((value) => parseGenesis(value))
    .catch((e: unknown) => {
      nodeGenesis = undefined;
      throw e;
    });
  return nodeGenesis;
}

const looksLikeReceipt = (file: File): boolean => /\.receipt\.json$/i.test(file.name);

/** A file's entry, filled in once read; `undefined` while it is read. */
function useFileEntry<T>(read: (file: File) => Promise<T>): [{ file: File; value?: T; error?: string; busy: boolean } | null, (file: File) => void] {
  const [entry, setEntry] = useState<{ file: File; value?: T; error?: string; busy: boolean } | null>(null);
  const latest = useRef<File | null>(null);
  const take = (file: File) => {
    latest.current = file;
    setEntry({ file, busy: true });
    read(file).then(
      (value) => latest.current === file && setEntry({ file, value, busy: false }),
      (e: unknown) => latest.current === file && setEntry({ file, error: (e as Error).message, busy: false }),
    );
  };
  return [entry, take];
}

function VerifyPage(): JSX.Element {
  const [doc, setDoc] = useFileEntry<string>(sha256File);
  const [receipt, setReceipt] = useFileEntry<unknown>((f) => readJson(f, RECEIPT_BYTES_MAX, 'a receipt'));
  const [genesisFile, setGenesisFileEntry] = useFileEntry<Genesis>(async (f) => parseGenesis(await readJson(f, GENESIS_BYTES_MAX, 'a genesis')));
  const [source, setSource] = useState<'node' | 'file'>('node');
  const [fromNode, setFromNode] = useState<{ genesis?: Genesis; error?: string } | null>(null);
  const [result, setResult] = useState<Result>({ kind: 'idle', message: 'Add the document and its receipt: the check runs as soon as both are here.' });
  const resultRef = useRef<HTMLElement>(null);

  const setGenesisFile = (file: File) => {
    setSource('file');
    setGenesisFileEntry(file);
  };

  useEffect(() => {
    loadNodeGenesis().then(
      (genesis) => setFromNode({ genesis }),
      (e: unknown) => setFromNode({ error: (e as Error).message }),
    );
  }, []);

  // Which genesis to trust, and what to say about it.
  let genesis: Genesis | undefined;
  let genesisLabel = '';
  let genesisError: string | undefined;
  let genesisNote: string;
  if (source === 'node') {
    genesis = fromNode?.genesis;
    genesisLabel = 'this node’s genesis (/v1/genesis)';
    if (fromNode?.error) genesisError = `the genesis could not be fetched from this node (${fromNode.error}); load a genesis file instead`;
    genesisNote = genesis ? 'This node’s genesis' : 'Fetching this node’s genesis…';
  } else if (genesisFile && !genesisFile.busy) {
    if (genesisFile.error) genesisError = `the genesis file is not usable: ${genesisFile.error}`;
    genesis = genesisFile.value;
    genesisLabel = `the genesis file ${genesisFile.file.name}`;
    genesisNote = `File ${genesisFile.file.name}`;
  } else genesisNote = genesisFile ? `File ${genesisFile.file.name}` : 'Choose the genesis file published by the consortium.';

  // The check, run again on every change; a slow check never paints over a newer one.
  useEffect(() => {
    let current = true;
    const show = (r: Result) => current && setResult(r);
    // The checks never throw on a malformed receipt; should anything else, the page still says why.
    check({ doc, receipt, genesis, genesisLabel, genesisError }, show, () => current).catch((e: unknown) =>
      show({ kind: 'failed', title: 'Not verified', reason: malformed(e), hint: 'The receipt could not be checked: it is damaged or not a Polity receipt.' }),
    );
    return () => void (current = false);
  }, [doc, receipt, genesis, genesisError]);

  // On a small screen the result may be below the fold: bring its top into view.
  useEffect(() => {
    if (result.kind !== 'verified' && result.kind !== 'failed') return;
    const el = resultRef.current;
    if (el && el.getBoundingClientRect().top > window.innerHeight - 120) el.scrollIntoView({ block: 'start', behavior: window.matchMedia('(prefers-reduced-motion: reduce)').matches ? 'auto' : 'smooth' });
  }, [result]);

  // A file dropped beside the zones must not make the browser navigate away from the page.
  useEffect(() => {
    const over = (event: DragEvent) => event.preventDefault();
    const drop = (event: DragEvent) => {
      event.preventDefault();
      for (const file of Array.from(event.dataTransfer?.files ?? [])) (looksLikeReceipt(file) ? setReceipt : setDoc)(file);
    };
    window.addEventListener('dragover', over);
    window.addEventListener('drop', drop);
    return () => {
      window.removeEventListener('dragover', over);
      window.removeEventListener('drop', drop);
    };
  }, []);

  const receiptValue = receipt?.value as { header?: { height?: unknown }; chainId?: unknown } | undefined;
  const n = genesis?.validators.length ?? 0;
  return (
    <>
      <h1>Verify a document</h1>
      <p class="lead">
        Check that a document was anchored on this ledger, when, and that not a single byte of it has changed since. You need the document and the receipt (<code>.receipt.json</code>) you were given with it.
      </p>
      <PrivacyNote id="privacy-note">
        <strong>Your document never leaves this computer.</strong> It is read and hashed here, in your browser; nothing is uploaded.
      </PrivacyNote>

      <form id="verify-form" class="verify-form" noValidate onSubmit={(e) => e.preventDefault()}>
        <div class="drop-grid">
          <DropZone id="doc" step="1" title="The document" hint={<>Drop the file here, or <span class="link-like">choose a file</span>. Any type: PDF, image, text…</>} hasFile={Boolean(doc)} onFile={setDoc}>
            {doc ? (
              <>
                <p class="file-name">
                  {doc.file.name || 'document'}
                  <span class="muted"> · {formatBytes(doc.file.size)}</span>
                </p>
                {doc.busy ? (
                  <p class="muted">Computing its SHA-256…</p>
                ) : doc.error ? (
                  <p class="error-text">{sentence(doc.error)}</p>
                ) : (
                  <p class="file-hash">
                    <span class="muted">SHA-256 </span>
                    <Hash value={doc.value!} id="doc-hash" />
                  </p>
                )}
              </>
            ) : null}
          </DropZone>
          <DropZone id="receipt" step="2" title="Its receipt" hint={<>Drop the <code>.receipt.json</code> file here, or <span class="link-like">choose a file</span>.</>} accept=".json,application/json" hasFile={Boolean(receipt)} onFile={setReceipt}>
            {receipt ? (
              <>
                <p class="file-name">
                  {receipt.file.name || 'receipt'}
                  <span class="muted"> · {formatBytes(receipt.file.size)}</span>
                </p>
                {receipt.busy ? (
                  <p class="muted">Reading…</p>
                ) : receipt.error ? (
                  <p class="error-text">{sentence(receipt.error)}</p>
                ) : (
                  <p class="muted">
                    {receiptValue && typeof receiptValue === 'object' && typeof receiptValue.header?.height === 'number'
                      ? `Receipt for block ${formatNumber(receiptValue.header.height)} of chain ${String(receiptValue.chainId)}`
                      : 'This JSON does not look like a Polity receipt.'}
                  </p>
                )}
              </>
            ) : null}
          </DropZone>
        </div>

        <fieldset class="trust">
          <legend>Check the signatures against</legend>
          <div class="trust-options">
            <label class="radio">
              <input type="radio" name="genesis-source" value="node" checked={source === 'node'} onChange={() => setSource('node')} />
              <span>
                the validators in this node’s genesis <span class="muted">(fetched from <code>/v1/genesis</code>)</span>
              </span>
            </label>
            <label class="radio">
              <input type="radio" name="genesis-source" value="file" checked={source === 'file'} onChange={() => setSource('file')} />
              <span>
                the validators in a genesis file <span class="muted">(an independent check that trusts no node)</span>
              </span>
            </label>
          </div>
          <div class={`genesis-file ${source === 'file' ? '' : 'is-inactive'}`} id="genesis-file-row">
            <label for="genesis-input" class="genesis-label">
              Genesis file
            </label>
            <input
              id="genesis-input"
              type="file"
              accept=".json,application/json"
              aria-describedby="genesis-summary"
              onChange={(e) => {
                const file = (e.currentTarget as HTMLInputElement).files?.[0];
                if (file) setGenesisFile(file);
              }}
            />
          </div>
          <p class="genesis-summary muted" id="genesis-summary" aria-live="polite">
            {genesis ? `${genesisNote}: chain ${genesis.chainId}, ${n} ${n === 1 ? 'validator' : 'validators'}, genesis hash ${shortHex(genesisHash(genesis))}.` : genesisNote}
          </p>
        </fieldset>
      </form>

      <ResultView result={result} sectionRef={resultRef} />

      <details class="explain">
        <summary>How the check works</summary>
        <ol>
          <li>Your browser computes the SHA-256 fingerprint of the document (WebCrypto).</li>
          <li>It follows the receipt’s Merkle paths from that fingerprint to the anchoring transaction, and from the transaction and its result to the block header.</li>
          <li>It recomputes the block hash from the header and checks each validator’s Ed25519 signature on it.</li>
          <li>It checks that validators holding more than two thirds of the voting power signed, and that they are the validators of the genesis you trust.</li>
        </ol>
        <p>
          If any link is broken — the file was changed by a single byte, the receipt was edited, or it comes from another chain — the document is <strong>not verified</strong> and the page says which link failed.
        </p>
        <p>Receipts are checked with the same code the nodes run, loaded from this node. For a check that trusts no node, load the genesis file published by the consortium.</p>
      </details>
    </>
  );
}

/** A labelled file input that also takes a dropped file. */
function DropZone(props: { id: string; step: string; title: string; hint: ComponentChildren; accept?: string; hasFile: boolean; onFile: (file: File) => void; children: ComponentChildren }): JSX.Element {
  const [dragging, setDragging] = useState(false);
  const depth = useRef(0);
  return (
    <div
      class={`drop ${props.hasFile ? 'has-file' : ''} ${dragging ? 'is-dragging' : ''}`}
      id={`${props.id}-drop`}
      onDragEnter={(e) => {
        e.preventDefault();
        depth.current++;
        setDragging(true);
      }}
      onDragOver={(e) => e.preventDefault()}
      onDragLeave={() => {
        if (--depth.current <= 0) {
          depth.current = 0;
          setDragging(false);
        }
      }}
      onDrop={(e) => {
        e.preventDefault();
        e.stopPropagation();
        depth.current = 0;
        setDragging(false);
        const file = e.dataTransfer?.files[0];
        if (file) props.onFile(file);
      }}
    >
      <span class="drop-step" aria-hidden="true">
        {props.step}
      </span>
      <label class="drop-label" for={`${props.id}-input`}>
        <span class="drop-title">{props.title}</span>
        <span class="drop-hint">{props.hint}</span>
      </label>
      <input
        id={`${props.id}-input`}
        class="drop-input"
        type="file"
        accept={props.accept}
        aria-describedby={`${props.id}-summary`}
        onChange={(e) => {
          const file = (e.currentTarget as HTMLInputElement).files?.[0];
          if (file) props.onFile(file);
        }}
      />
      <div class="drop-summary" id={`${props.id}-summary`} aria-live="polite">
        {props.children}
      </div>
    </div>
  );
}

interface CheckInput {
  doc: { file: File; value?: string; error?: string; busy: boolean } | null;
  receipt: { file: File; value?: unknown; error?: string; busy: boolean } | null;
  genesis: Genesis | undefined;
  genesisLabel: string;
  genesisError: string | undefined;
}

/** The whole check, saying each step in `show`. */
async function check(input: CheckInput, show: (r: Result) => void, current: () => boolean): Promise<void> {
  const { doc, receipt, genesis, genesisLabel, genesisError } = input;
  const idle = (message: string) => show({ kind: 'idle', message });
  const failed = (reason: string, more: { title?: string; hint?: string; details?: FieldRow[] } = {}) => show({ kind: 'failed', title: more.title ?? 'Not verified', reason, ...more });
  if (!doc && !receipt) return idle('Add the document and its receipt: the check runs as soon as both are here.');
  if (!doc) return idle('Now add the document the receipt is for.');
  if (!receipt) return idle('Now add the receipt (.receipt.json) of this document.');
  if (doc.busy) return show({ kind: 'checking', message: 'Computing the document’s SHA-256…' });
  if (receipt.busy) return show({ kind: 'checking', message: 'Reading the receipt…' });
  if (doc.error) return failed(`the document could not be read: ${doc.error}`);
  if (receipt.error) return failed(`the receipt could not be read: ${receipt.error}`);
  if (genesisError) return failed(genesisError);
  if (!genesis) return idle('Choose a genesis file, or check against this node’s genesis.');
  const hash = doc.value!;

  show({ kind: 'checking', message: 'Checking the receipt…' });
  const checked = checkReceipt(receipt.value, genesis, hash);
  if (!checked.ok) {
    const r = (receipt.value && typeof receipt.value === 'object' ? receipt.value : {}) as { hash?: unknown; chainId?: unknown };
    const mismatch = typeof r.hash === 'string' && r.hash !== hash && isHex(r.hash, 32);
    const otherChain = typeof r.chainId === 'string' && r.chainId !== genesis.chainId;
    return failed(checked.reason, {
      title: mismatch ? 'Not verified — the document does not match its receipt' : 'Not verified',
      hint: mismatch
        ? 'Changing even one byte of a file changes its fingerprint completely. Compare the two fingerprints below.'
        : otherChain
          ? 'This receipt is from another chain. To check it, load that chain’s genesis file.'
          : 'The receipt was altered or damaged, or it does not come from this chain. The ledger itself is unaffected.',
      details: [
        { label: 'Document', value: doc.file.name },
        { label: 'Document SHA-256', value: <Hash value={hash} /> },
        { label: 'Anchored SHA-256', value: mismatch ? <Hash value={r.hash as string} /> : null },
        { label: 'Validators from', value: genesisLabel },
      ],
    });
  }

  // Every certificate, with WebCrypto Ed25519: the validator-set handovers from genesis (when the
  // chain changed its set), then the block's own certificate, last.
  if (!hasWebCrypto()) return failed('this page was not opened over HTTPS (or from localhost), so the browser cannot check the validators’ signatures');
  let last: { signedPower: number; totalPower: number; signers: string[]; validators: readonly Validator[] } | undefined;
  for (const c of checked.certificates) {
    const what = c.blockHash === checked.facts.blockHash ? 'commit certificate' : `validator-set handover at block ${c.height}`;
    const verdict = await verifyCertificate(genesis.chainId, c.certificate, c.validators);
    if (!current()) return;
    // A malformed certificate (unknown or repeated signer) fails before any signature is checked.
    if (verdict.error) return failed(`${what}: ${verdict.error}`);
    const bad = verdict.signatures.find((s) => !s.valid);
    if (bad) {
      const name = c.validators.find((v) => v.pubKey === bad.pubKey)?.name;
      return failed(`${what}: the signature of validator ${name ?? shortHex(bad.pubKey)} is not valid for this block`, { hint: 'The block header or its certificate was altered.' });
    }
    if (!verdict.quorum) return failed(`${what}: the signers hold ${verdict.signedPower} of ${verdict.totalPower} voting power; more than two thirds is needed`);
    last = { signedPower: verdict.signedPower, totalPower: verdict.totalPower, signers: verdict.signatures.map((s) => s.pubKey), validators: c.validators };
  }
  if (!last) return failed('the receipt has no commit certificate');
  // The anchoring transaction's own signature: that its signer (the official, or the node for a batch) signed it.
  const t = checked.transaction;
  const signedByItsSigner = await ed25519Verify(t.pubKey, t.message, t.sig);
  if (!current()) return;
  if (!signedByItsSigner) return failed(TX_SIGNATURE_REASON, { hint: 'The transaction in the receipt was altered, or its signature is not its signer’s.' });
  const names = new Map([...genesis.validators, ...last.validators].map((v) => [v.pubKey, v.name]));
  show({ kind: 'verified', facts: checked.facts, ...last, names, handovers: checked.certificates.length - 1, genesis, genesisLabel, docName: doc.file.name });
}

function ResultView(props: { result: Result; sectionRef: { current: HTMLElement | null } }): JSX.Element {
  const r = props.result;
  const finished = r.kind === 'verified' || r.kind === 'failed';
  return (
    <section
      id="verify-result"
      ref={props.sectionRef}
      class={`result ${r.kind === 'checking' ? 'result-checking' : r.kind === 'verified' ? 'result-verified' : r.kind === 'failed' ? 'result-failed' : ''}`}
      aria-live="polite"
      aria-atomic="true"
      tabIndex={-1}
      data-status={finished ? r.kind : undefined}
    >
      {r.kind === 'idle' ? <p class="result-idle">{r.message}</p> : null}
      {r.kind === 'checking' ? (
        <p class="result-idle">
          <span class="spinner" aria-hidden="true" />
          {r.message}
        </p>
      ) : null}
      {r.kind === 'failed' ? (
        <>
          <ResultHead icon="✗" title={r.title}>
            <p class="result-reason" id="verify-reason">
              {sentence(r.reason)}
            </p>
            {r.hint ? <p class="result-hint">{r.hint}</p> : null}
          </ResultHead>
          {r.details ? <Fields rows={r.details} /> : null}
        </>
      ) : null}
      {r.kind === 'verified' ? <Verified result={r} /> : null}
    </section>
  );
}

function ResultHead(props: { icon: string; title: string; children: ComponentChildren }): JSX.Element {
  return (
    <div class="result-head">
      <span class="result-icon" aria-hidden="true">
        {props.icon}
      </span>
      <div>
        <h2 class="result-title">{props.title}</h2>
        {props.children}
      </div>
    </div>
  );
}

function Verified(props: { result: Extract<Result, { kind: 'verified' }> }): JSX.Element {
  const { facts, signedPower, totalPower, signers, names, handovers, genesis, genesisLabel, docName } = props.result;
  const when = formatTimeLong(facts.time);
  const meta = facts.meta ? Object.entries(facts.meta) : [];
  const signerName = names.get(facts.signer);
  // An official or admin is named from this node's current state (today's roles), beside the key the receipt proves.
  const [member, setMember] = useState<{ name: string; height: number } | undefined>(undefined);
  useEffect(() => {
    if (signerName) return;
    let live = true;
    memberInWords(facts.signer).then(
      (w) => live && setMember(w),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [facts.signer]);
  return (
    <>
      <ResultHead icon="✓" title={`Verified — anchored in block ${formatNumber(facts.height)} at ${when}`}>
        <p class="result-reason">
          This file is exactly the document anchored on chain {genesis.chainId}: not a byte has changed. Validators holding {signedPower} of {totalPower} voting power signed the block.
        </p>
      </ResultHead>
      <Fields
        rows={[
          { label: 'Document', value: docName },
          { label: 'SHA-256', value: <Hash value={facts.hash} /> },
          { label: 'Block', value: <a href={`/explorer#/block/${facts.height}`}>Block {formatNumber(facts.height)}</a> },
          { label: 'Time', value: when },
          { label: 'Block hash', value: <Hash value={facts.blockHash} /> },
          { label: 'Anchored by', value: facts.mode === 'batch' ? 'Aggregated batch — one Merkle root for many documents, signed by the node' : 'Signed transaction' },
          {
            label: 'Signer',
            value: (
              <span>
                {signerName ? <span class="validator-name">{signerName}</span> : null}
                {member ? (
                  <span class="validator-name signer-name" title={`Who holds this key now, says this node (block ${member.height}); roles may have changed since it signed`}>
                    {member.name}
                  </span>
                ) : null}
                <Hash value={facts.signer} />
              </span>
            ),
          },
          { label: 'Metadata', value: meta.length ? <MetaList entries={meta} /> : null },
          {
            label: 'Signatures',
            value: `${signers.length} valid ${signers.length === 1 ? 'signature' : 'signatures'} (${signers.map((k) => names.get(k) ?? shortHex(k)).join(', ')}) holding ${signedPower} of ${totalPower} voting power; more than two thirds needed.`,
          },
          { label: 'Validators from', value: handovers > 0 ? `${genesisLabel}, followed through ${handovers} validator-set ${handovers === 1 ? 'change' : 'changes'} signed by the outgoing validators` : genesisLabel },
        ]}
      />
    </>
  );
}

mountPage(<VerifyPage />);
