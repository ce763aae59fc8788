/**
 * What the explorer's views share: the genesis, the validator-set history,
 * names of validators, and the check of a block's certificate in the
 * browser (the header hashed again, every signature verified with WebCrypto
 * against the set that signs the block, reached from the genesis set through
 * the chain's handovers, each checked too).
 */
import type { JSX } from 'preact';
import { isHex } from '../../../src/crypto/bytes.js';
import { blockHash } from '../../../src/ledger/block.js';
import { validatorSetHash, type Genesis, type Validator } from '../../../src/ledger/genesis.js';
import { followSets, setHashOf } from '../../../src/ledger/set-history.js';
import { getJson } from '../../lib/api.js';
import type { BlockResponse, ValidatorSetsResponse } from '../../lib/api-types.js';
import { verifyCertificate, verifyHandovers, type CertificateVerdict } from '../../lib/certificates.js';
import { latestStatus } from '../../lib/status.js';
import { hasWebCrypto } from '../../lib/webcrypto.js';
import { Badge, Hash } from '../../components/ui.js';

/** A block hash, a transaction id or a document's SHA-256: 32 bytes of lowercase hex (the ledger's own check). */
export const isHash = (text: string): boolean => isHex(text, 32);

let genesisPromise: Promise<Genesis> | undefined;
export function genesis(): Promise<Genesis> {
  genesisPromise ??= getJson<Genesis>('/v1/genesis').catch((e: unknown) => {
    genesisPromise = undefined;
    throw e;
  });
  return genesisPromise;
}

/** Names of every validator this page has seen: the current set, and every earlier set of the history. */
const knownNames = new Map<string, string>();

export function validatorName(pubKey: string): string | undefined {
  return latestStatus()?.validators.find((v) => v.pubKey === pubKey)?.name ?? knownNames.get(pubKey);
}

export function ValidatorLabel(props: { pubKey: string }): JSX.Element {
  const name = validatorName(props.pubKey);
  return (
    <span class="validator">
      {name ? <span class="validator-name">{name}</span> : null}
      <Hash value={props.pubKey} short />
    </span>
  );
}

export function ResultBadge(props: { code: string | undefined }): JSX.Element {
  return props.code === 'OK' ? <Badge tone="ok">OK</Badge> : <Badge tone="error">{props.code ?? '—'}</Badge>;
}

let sets: ValidatorSetsResponse | undefined;
/** The node's validator-set history, fetched again when a block is newer than what it covers. */
async function setHistory(height: number): Promise<ValidatorSetsResponse> {
  if (!sets || sets.height + 1 < height) {
    sets = await getJson<ValidatorSetsResponse>('/v1/validator-sets');
    for (const ho of sets.handovers) for (const v of ho.validators) knownNames.set(v.pubKey, v.name);
  }
  return sets;
}

/** Handover certificates already checked in this page, by block hash. */
const handoversChecked = new Map<string, boolean>();

export type BlockCheck = (CertificateVerdict & { validators: readonly Validator[]; handovers: number }) | { error: string };

/** Verify a block's certificate in the browser. */
export async function checkBlock(block: BlockResponse): Promise<BlockCheck> {
  const g = await genesis();
  const hd = block.header;
  const recomputed = blockHash(hd);
  if (recomputed !== block.hash || recomputed !== block.certificate.blockHash) return { error: 'the header does not hash to the certified block hash' };
  if (!hasWebCrypto()) return { error: 'this page is not in a secure context (HTTPS or localhost), so the browser cannot check signatures' };
  let validators: readonly Validator[] = g.validators;
  let handovers = 0;
  if (validatorSetHash(g.validators) !== hd.validatorSetHash) {
    const history = await setHistory(hd.height);
    const followed = followSets(g.chainId, g.validators, history.handovers, hd.height);
    if (!followed.ok) return { error: followed.reason };
    const broken = await verifyHandovers(g.chainId, followed.handovers, handoversChecked);
    if (broken) return { error: `the validator-set handover at block ${broken.height} does not hold` };
    if (setHashOf(followed.validators) !== hd.validatorSetHash) return { error: 'this block was not signed by the validator set the chain handed over to' };
    validators = followed.validators;
    handovers = followed.handovers.length;
  }
  const verdict = await verifyCertificate(g.chainId, block.certificate, validators);
  if (verdict.error) return { error: verdict.error };
  return { ...verdict, validators, handovers };
}
