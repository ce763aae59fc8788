/**
 * Evidence (/evidence): equivocation recorded on the chain — a validator
 * that signed two conflicting consensus messages for one height and round.
 * Evidence proves itself, and this page checks it again in the browser:
 * the ledger's own evidence check (ledger/votes.ts) says that the two
 * messages contradict each other and names the bytes each signature covers,
 * and WebCrypto Ed25519 checks both signatures.
 */
import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { checkEvidence } from '../../ledger/votes.js';
import type { EvidenceRecord } from './module.js';
import { EVIDENCE_PAGE_MAX } from './limits.js';
import { mountPage } from '../../../web/app.js';
import { errorText, getJson } from '../../../web/lib/api.js';
import type { EvidenceResponse, ValidatorSetsResponse } from '../../../web/lib/api-types.js';
import { formatNumber, plural, sentence } from '../../../web/lib/format.js';
import { useLoad } from '../../../web/lib/hooks.js';
import { statusFailed, useStatus, useTick } from '../../../web/lib/status.js';
import { ed25519Verify, hasWebCrypto } from '../../../web/lib/webcrypto.js';
import { DataTable } from '../../../web/components/table.js';
import { Badge, Hash, Notice, Panel } from '../../../web/components/ui.js';

const EVIDENCE_PAGE = 20;

/**
 * Check one record in the browser: the ledger's check, with each signature
 * it asks about verified afterwards by WebCrypto (which is asynchronous).
 */
async function verifyRecord(record: EvidenceRecord, chainId: string): Promise<boolean> {
  const signatures: { key: string; message: Uint8Array; sig: string }[] = [];
  // The chain checked at recording time that the signer was a validator of that height; here the
  // two messages and their signatures are checked, so the signer stands in as the whole set.
  const verdict = checkEvidence({ first: record.first, second: record.second }, chainId, [{ name: 'signer', pubKey: record.validator, power: 1 }], (key, message, sig) => {
    signatures.push({ key, message, sig });
    return true;
  });
  if (!verdict.ok || verdict.validator !== record.validator) return false;
  for (const s of signatures) if (!(await ed25519Verify(s.key, s.message, s.sig))) return false;
  return true;
}

function EvidencePage(): JSX.Element {
  const status = useStatus();
  const evidence = useLoad(() => getJson<EvidenceResponse>(`/v1/evidence?limit=${EVIDENCE_PAGE_MAX}`), []);
  const sets = useLoad(() => getJson<ValidatorSetsResponse>('/v1/validator-sets'), []);
  useTick(evidence.reload);
  const [checked, setChecked] = useState<Map<EvidenceRecord, boolean>>(new Map());
  const records = evidence.data?.evidence ?? [];
  const chainId = status?.chainId;

  useEffect(() => {
    if (!chainId || !hasWebCrypto()) return;
    let current = true;
    void (async () => {
      const out = new Map<EvidenceRecord, boolean>();
      for (const r of records) out.set(r, await verifyRecord(r, chainId));
      if (current) setChecked(out);
    })();
    return () => void (current = false);
  }, [evidence.data, chainId]);

  const names = new Map<string, string>();
  for (const ho of sets.data?.handovers ?? []) for (const v of ho.validators) names.set(v.pubKey, v.name);
  for (const v of status?.validators ?? []) names.set(v.pubKey, v.name);
  // Records are shown once the validators' names are known (or cannot be), never "unknown" for a while.
  const namesLoading = sets.loading || (status === undefined && !statusFailed());
  const newestFirst = [...records].sort((a, b) => b.recordedAt - a.recordedAt);

  return (
    <>
      <h1>Consensus evidence</h1>
      <p class="lead">
        A validator that signs two different votes (or proposals) for the same height and round breaks the consensus rules. Any node that sees both messages puts them on the chain as evidence, so every member organisation — and anyone auditing the consortium — can see who misbehaved. Each record is checked again here, in your browser.
      </p>
      <Panel id="evidence-title" title="Recorded equivocations">
        {evidence.error && !evidence.data ? (
          <Notice tone="error" title="The evidence could not be loaded">
            <p>{sentence(errorText(evidence.error))}</p>
          </Notice>
        ) : evidence.loading || namesLoading ? (
          <p class="loading">Loading…</p>
        ) : records.length === 0 ? (
          <p class="muted" id="evidence-none">
            No validator has been caught signing two conflicting votes.
          </p>
        ) : (
          <>
            <p class="muted" id="evidence-summary">
              {records.length === evidence.data!.total
                ? `${plural(records.length, 'record')}, newest first.`
                : `The newest ${formatNumber(records.length)} of ${plural(evidence.data!.total, 'record')}; \`polity evidence --json\` and GET /v1/evidence?cursor=… page through the older ones.`}
            </p>
            <DataTable
              id="evidence-table"
              caption="Recorded equivocations, newest first"
              rows={newestFirst}
              rowKey={(e) => `${e.validator}/${e.height}/${e.round}/${e.type}`}
              pageSize={EVIDENCE_PAGE}
              empty="None."
              columns={[
                {
                  label: 'Validator',
                  cell: (e) => (
                    <>
                      <span class="strong">{names.get(e.validator) ?? 'unknown validator'}</span> <Hash value={e.validator} short />
                    </>
                  ),
                },
                { label: 'Height', class: 'num', cell: (e) => formatNumber(e.height) },
                { label: 'Round', class: 'num col-optional', cell: (e) => formatNumber(e.round) },
                { label: 'Message', cell: (e) => `two different ${e.type}s` },
                { label: 'Recorded in block', class: 'num', cell: (e) => <a href={`/explorer#/block/${e.recordedAt}`}>{formatNumber(e.recordedAt)}</a> },
                {
                  label: 'Check',
                  cell: (e) => {
                    const ok = checked.get(e);
                    return ok === undefined ? <span class="muted">—</span> : ok ? <Badge tone="ok">Valid</Badge> : <Badge tone="error">Invalid</Badge>;
                  },
                },
              ]}
            />
          </>
        )}
      </Panel>
    </>
  );
}

mountPage(<EvidencePage />);
