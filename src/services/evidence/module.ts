/**
 * Evidence of equivocation (spec/consensus.md §8): two signed consensus
 * messages of one validator that contradict each other, recorded on the chain
 * so that the consortium — and anyone auditing it — sees who misbehaved.
 *
 * Evidence proves itself: the action checks both signatures against the
 * validator set of the block, so any signer may submit it (nodes submit what
 * their engine caught). A piece of evidence is recorded once.
 *
 * State:
 *   evidence/<validator>/<height>/<round>/<type> -> { validator, height, round, type, first, second, reportedBy, recordedAt }
 */
import { Type } from '@sinclair/typebox';
import { verifyBytes } from '../../crypto/ed25519.js';
import { PolityError } from '../../ledger/errors.js';
import { checkEvidence, type ConsensusMessage } from '../../ledger/votes.js';
import { defineAction, type ModuleDefinition } from '../../runtime/module.js';

const Message = Type.Object({}, { additionalProperties: true, description: 'a signed proposal, prevote or precommit' });
export const SubmitEvidenceArgs = Type.Object({ first: Message, second: Message }, { additionalProperties: false });

export const evidenceKey = (m: { validator?: string; proposer?: string; height: number; round: number; type: string }): string =>
  `evidence/${m.type === 'proposal' ? m.proposer : m.validator}/${m.height}/${m.round}/${m.type}`;

export interface EvidenceRecord {
  validator: string;
  height: number;
  round: number;
  type: string;
  first: ConsensusMessage;
  second: ConsensusMessage;
  reportedBy: string;
  recordedAt: number;
}

export const evidenceModule: ModuleDefinition = {
  name: 'evidence',
  description: 'Record proof that a validator signed two conflicting consensus messages.',
  state: { owns: ['evidence/'] },
  actions: {
    submit: defineAction({
      access: 'anyone',
      args: SubmitEvidenceArgs,
      description: 'Submit two conflicting signed messages of one validator; both signatures are checked against the validator set.',
      execute(ctx, args) {
        const verdict = checkEvidence(args, ctx.chainId, ctx.validators, (k, m, s) => verifyBytes(k, m, s));
        if (!verdict.ok) throw new PolityError('EVIDENCE_INVALID', `not evidence of equivocation: ${verdict.reason}`);
        const first = args.first as unknown as ConsensusMessage;
        const second = args.second as unknown as ConsensusMessage;
        const key = evidenceKey(first);
        if (ctx.has(key)) throw new PolityError('EVIDENCE_DUPLICATE', 'this equivocation is already recorded');
        const record: EvidenceRecord = {
          validator: verdict.validator,
          height: first.height,
          round: first.round,
          type: first.type,
          first,
          second,
          reportedBy: ctx.signer,
          recordedAt: ctx.height,
        };
        ctx.set(key, record as never);
        ctx.emit({ type: 'evidence.recorded', validator: verdict.validator, height: first.height, round: first.round, messageType: first.type });
      },
    }),
  },
};
