/**
 * The notary: proof that a document existed, unchanged, at a point in time.
 *
 * Only SHA-256 hashes reach the chain; documents never leave the user's
 * machine. Two ways in:
 *
 * - `anchor`: one hash per transaction, signed by whoever anchors it (an
 *   official, a citizen), with optional metadata (document type, reference,
 *   organisation). Attributable: the receipt names the signer.
 * - `anchorBatch`: the root of an RFC 9162 tree over many hashes, as Guardtime
 *   KSI aggregates. A node collects every hash submitted for a block, builds
 *   one tree and anchors its root in one transaction it signs; each hash's
 *   receipt is its path to that root plus the block's proof. Millions of
 *   hashes cost one transaction.
 *
 * State (authenticated, provable):
 *   notary/doc/<hash>   -> { height, time, txId, signer, meta? }   (anchor)
 *   notary/batch/<root> -> { height, time, txId, signer, count }   (anchorBatch)
 * The individual hashes of a batch are indexed off-state by the node that
 * aggregated them (see host.ts and host/aggregator.ts).
 *
 * Metadata is public: it must never hold personal data (a reference is a case
 * number, not a name). The schema bounds its size.
 */
import { Type } from '@sinclair/typebox';
import { PolityError } from '../../ledger/errors.js';
import { defineAction, type ModuleDefinition } from '../../runtime/module.js';

const Hash = Type.String({ pattern: '^[0-9a-f]{64}$', description: 'SHA-256 hash, 64 lowercase hex characters' });

export const NotaryMeta = Type.Object(
  {
    docType: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'kind of document, e.g. "contract"' })),
    reference: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'a case or file number; never personal data' })),
    organisation: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'the organisation anchoring the document' })),
  },
  { additionalProperties: false },
);

export const AnchorArgs = Type.Object({ hash: Hash, meta: Type.Optional(NotaryMeta) }, { additionalProperties: false });
export const AnchorBatchArgs = Type.Object(
  { root: Hash, count: Type.Integer({ minimum: 1, maximum: 100_000_000 }) },
  { additionalProperties: false },
);

export const docKey = (hash: string): string => `notary/doc/${hash}`;
export const batchKey = (root: string): string => `notary/batch/${root}`;

export interface AnchorRecord {
  height: number;
  time: number;
  txId: string;
  signer: string;
  meta?: { docType?: string; reference?: string; organisation?: string };
}

export interface BatchRecord {
  height: number;
  time: number;
  txId: string;
  signer: string;
  count: number;
}

export const notaryModule: ModuleDefinition = {
  name: 'notary',
  description: 'Anchor document hashes; receipts verify offline.',
  state: { owns: ['notary/'] },
  actions: {
    anchor: defineAction({
      access: 'anyone',
      args: AnchorArgs,
      description: 'Anchor one document hash, with optional metadata, signed by the caller.',
      execute(ctx, args) {
        const key = docKey(args.hash);
        const existing = ctx.get(key) as AnchorRecord | undefined;
        if (existing) {
          throw new PolityError('NOTARY_ALREADY_ANCHORED', `hash already anchored in block ${existing.height}`, { height: existing.height });
        }
        const record: AnchorRecord = { height: ctx.height, time: ctx.time, txId: ctx.txId, signer: ctx.signer };
        if (args.meta && Object.keys(args.meta).length > 0) record.meta = args.meta;
        ctx.set(key, record as never);
        ctx.emit({ type: 'notary.anchored', hash: args.hash });
      },
    }),
    anchorBatch: defineAction({
      access: 'anyone',
      args: AnchorBatchArgs,
      description: 'Anchor the RFC 9162 root of an aggregation tree of document hashes.',
      execute(ctx, args) {
        const key = batchKey(args.root);
        const existing = ctx.get(key) as BatchRecord | undefined;
        if (existing) {
          throw new PolityError('NOTARY_ALREADY_ANCHORED', `batch root already anchored in block ${existing.height}`, { height: existing.height });
        }
        const record: BatchRecord = { height: ctx.height, time: ctx.time, txId: ctx.txId, signer: ctx.signer, count: args.count };
        ctx.set(key, record as never);
        ctx.emit({ type: 'notary.batchAnchored', root: args.root, count: args.count });
      },
    }),
  },
};
