/**
 * The evidence service's host part (src/node/service-host.ts): the node's
 * consensus engine catches a validator signing two conflicting messages;
 * this host keeps the evidence and contributes an `evidence.submit`
 * transaction to each block the node proposes until the chain has recorded
 * it (spec/consensus.md §8). It also keeps the list of recorded evidence
 * for GET /v1/evidence.
 */
import type { Json } from '../../crypto/canonical-json.js';
import type { Evidence } from '../../ledger/votes.js';
import type { Contribution, HostContext, ServiceHost } from '../../node/service-host.js';
import { evidenceKey, evidenceModule, type EvidenceRecord } from './module.js';
import type { EvidenceHostApi } from './schemas.js';

/** Most caught equivocations kept until the chain records them (a Byzantine validator can sign many). */
const CAUGHT_MAX = 1000;
/** Most evidence transactions in one block this node proposes. */
const TXS_PER_BLOCK_MAX = 16;
/** The state-key prefix of recorded evidence (module.ts `evidenceKey`). */
const PREFIX = 'evidence/';

export interface EvidenceHost extends ServiceHost, EvidenceHostApi {}

export function createEvidenceHost(ctx: HostContext): EvidenceHost {
  /** Equivocations the engine caught, until the chain records them. */
  const caught: Evidence[] = [];
  /** State keys of recorded evidence, oldest first. */
  const recorded: string[] = [];
  const known = new Set<string>();
  const recordedHeight = (key: string): number => (ctx.chain.getState(key) as unknown as EvidenceRecord | undefined)?.recordedAt ?? 0;
  const isRecorded = (ev: Evidence): boolean => ctx.chain.getState(evidenceKey(ev.first)) !== undefined;

  return {
    async open() {
      const keys = ctx.chain.stateKeys(PREFIX);
      keys.sort((a, b) => recordedHeight(a) - recordedHeight(b));
      for (const key of keys) {
        recorded.push(key);
        known.add(key);
      }
    },
    onEvidence(evidence) {
      if (caught.length < CAUGHT_MAX) caught.push(evidence);
    },
    async contribute() {
      const out: Contribution[] = [];
      for (const ev of caught) {
        if (out.length >= TXS_PER_BLOCK_MAX) break;
        if (isRecorded(ev)) continue;
        out.push({ body: { module: evidenceModule.name, action: 'submit', args: { first: ev.first, second: ev.second } as never } });
      }
      return out;
    },
    afterCommit({ changes }) {
      for (const key of changes.keys()) {
        if (key.startsWith(PREFIX) && !known.has(key)) {
          known.add(key);
          recorded.push(key);
        }
      }
      for (let i = caught.length - 1; i >= 0; i--) if (isRecorded(caught[i]!)) caught.splice(i, 1);
    },
    recordedKeys: () => recorded,
  };
}
