/**
 * "Check a credential" (/credentials): anyone drops a credential file (or
 * pastes it) and reads, in plain words, whether it is valid and why not —
 * each check in turn: format, signature, recorded on the chain, issuer
 * accredited for the type when it issued, claims, status, validity period.
 *
 * The node checks it (POST /v1/credentials/verify) against its committed
 * state; the credential is sent to this node only, and the node keeps
 * nothing of it. Claim values are never shown back by the node's answer,
 * only the names of fields.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { mountPage } from '../../../web/app.js';
import { fetchAnswer } from '../../../web/lib/api.js';
import { formatTime } from '../../../web/lib/format.js';
import { Badge, Fields, Hash, Notice, Panel, PrivacyNote } from '../../../web/components/ui.js';
import type { VerificationViewT } from './schemas.js';

/** The most a dropped file may be: the node's own limit (credential.ts). */
const FILE_BYTES_MAX = 64 * 1024;

const CHECK_WORDS: Record<string, string> = {
  format: 'It is a credential Polity can read',
  proof: 'The signature is genuine',
  issuance: 'It was recorded on the chain when issued',
  trust: 'The issuer was accredited for this kind of credential when it issued it',
  claims: 'Its contents fit the credential type',
  status: 'It has not been revoked or suspended',
  validity: 'It is within its validity period',
};

/** Why it is not valid, for a person. */
const VERDICT: Record<string, string> = {
  CREDENTIALS_MALFORMED: 'This is not a credential Polity can read.',
  CREDENTIALS_JWT_ALG: 'This token is not signed the way a credential must be (its algorithm is not EdDSA).',
  CREDENTIALS_JWT_TYPE: 'This token is not a credential: its header says it is some other kind of token.',
  CREDENTIALS_PROOF_INVALID: 'The signature does not match: the credential was changed after it was signed, or someone else signed it.',
  CREDENTIALS_NOT_ISSUED: 'This exact credential was never recorded on the chain: it was changed after issuance, or it was not issued here.',
  CREDENTIALS_ISSUER_UNTRUSTED: 'The issuer was not accredited to issue this kind of credential when it issued it.',
  CREDENTIALS_CLAIMS_INVALID: 'Its contents do not fit what this kind of credential must contain.',
  CREDENTIALS_REVOKED: 'The issuer has revoked this credential. It is no longer valid.',
  CREDENTIALS_SUSPENDED: 'The issuer has suspended this credential. It is not valid now, but may be reinstated.',
  CREDENTIALS_EXPIRED: 'This credential has expired.',
  CREDENTIALS_NOT_YET_VALID: 'This credential is not valid yet.',
};

type Result = { kind: 'answer'; body: VerificationViewT } | { kind: 'problem'; text: string } | undefined;

function CredentialsPage(): JSX.Element {
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<Result>(undefined);

  const check = async (input: string): Promise<void> => {
    setResult(undefined);
    if (input.trim() === '') return setResult({ kind: 'problem', text: 'Drop a credential file here, choose one, or paste its text.' });
    // A compact vc+jwt (three base64url parts), or an SD-JWT VC (the same, then "~" and its disclosures), goes to the node as it is; the node's limit is 4/3 of the JSON limit, room for the header, and 128 characters a disclosure (vc-jwt.ts, sd-jwt.ts).
    const token = input.trim();
    if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*(~[A-Za-z0-9_.-]*)*$/.test(token) && token.length <= Math.ceil((FILE_BYTES_MAX * 4) / 3) + 2048 + 256 * 128) return send(token);
    if (input.length > FILE_BYTES_MAX) return setResult({ kind: 'problem', text: `That is too large for a credential (${input.length} characters; at most ${FILE_BYTES_MAX}).` });
    let credential: unknown;
    try {
      credential = JSON.parse(input);
    } catch {
      return setResult({ kind: 'problem', text: 'That is not a credential: this text is not JSON, nor a vc+jwt or SD-JWT token.' });
    }
    if (credential === null || typeof credential !== 'object' || Array.isArray(credential)) return setResult({ kind: 'problem', text: 'That is not a credential: it must be one JSON object.' });
    return send(credential);
  };

  const send = async (credential: unknown): Promise<void> => {
    setBusy(true);
    const answer = await fetchAnswer<VerificationViewT>('/v1/credentials/verify', { method: 'POST', body: JSON.stringify({ credential }) });
    setBusy(false);
    if (answer.status === 200 && answer.body) setResult({ kind: 'answer', body: answer.body });
    else setResult({ kind: 'problem', text: answer.status === 0 ? 'The node did not answer. Try again in a moment.' : 'The node could not check this credential.' });
  };

  const readFile = async (file: File | undefined): Promise<void> => {
    if (!file) return;
    if (file.size > FILE_BYTES_MAX) return setResult({ kind: 'problem', text: `That file is too large for a credential (${file.size} bytes; at most ${FILE_BYTES_MAX}).` });
    const content = await file.text();
    setText(content);
    await check(content);
  };

  return (
    <>
      <Panel id="check-title" title="Check a credential">
        <p>Drop a credential (a diploma, a licence, a certificate) to see whether it is valid, and if not, why.</p>
        <div
          class="dropzone"
          id="dropzone"
          onDragOver={(e) => e.preventDefault()}
          onDrop={(e) => {
            e.preventDefault();
            void readFile(e.dataTransfer?.files[0]);
          }}
        >
          <label for="credential-file">Credential file</label>
          <input id="credential-file" type="file" accept=".json,.jwt,.sd-jwt,application/json,application/vc,application/vc+jwt,application/dc+sd-jwt" onChange={(e) => void readFile((e.currentTarget as HTMLInputElement).files?.[0])} />
          <label for="credential-text">…or paste it</label>
          <textarea id="credential-text" rows={8} spellcheck={false} value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
          <button type="button" class="button" id="check" disabled={busy} onClick={() => void check(text)}>
            {busy ? 'Checking…' : 'Check'}
          </button>
        </div>
        <PrivacyNote>The credential is sent to this node only, to be checked; the node keeps nothing of it.</PrivacyNote>
      </Panel>
      {result?.kind === 'problem' ? (
        <Notice tone="error" id="verdict" title="Cannot check this">
          <p>{result.text}</p>
        </Notice>
      ) : null}
      {result?.kind === 'answer' ? <Verdict v={result.body} /> : null}
    </>
  );
}

function Verdict(props: { v: VerificationViewT }): JSX.Element {
  const { v } = props;
  return (
    <Panel id="verdict-title" title="Result">
      {v.verified ? (
        <Notice tone="ok" id="verdict" title="Valid">
          <p>
            This {v.issuance!.credentialType} was issued by {v.issuance!.org} on {formatTime(v.issuance!.time)} and is valid.
          </p>
        </Notice>
      ) : (
        <Notice tone="error" id="verdict" title="Not valid">
          <p>{VERDICT[v.code ?? ''] ?? 'This credential is not valid.'}</p>
          <p class="muted">
            {v.message} <code>{v.code}</code>
          </p>
        </Notice>
      )}
      <ul class="checks" id="checks">
        {v.checks.map((c) => (
          <li key={c.check} data-check={c.check}>
            <Badge tone={c.ok === true ? 'ok' : c.ok === false ? 'error' : 'muted'}>{c.ok === true ? 'Yes' : c.ok === false ? 'No' : 'Not checked'}</Badge> {CHECK_WORDS[c.check] ?? c.check}
            {c.ok === false ? <span class="muted block">{c.detail}</span> : null}
          </li>
        ))}
      </ul>
      {v.issuance ? (
        <Fields
          rows={[
            { label: 'Type', value: v.issuance.credentialType },
            { label: 'Issued by', value: v.issuance.org },
            { label: 'Recorded at block', value: String(v.issuance.height) },
            { label: 'Status', value: v.issuance.status },
            { label: 'Hash on the chain', value: <Hash value={v.issuance.hash} short /> },
          ]}
        />
      ) : null}
    </Panel>
  );
}

mountPage(<CredentialsPage />);
