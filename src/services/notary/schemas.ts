/**
 * The notary's requests and answers (spec/services/notary.md), and the
 * interface of its host part that the routes call.
 */
import { CursorParam } from '../../schemas/common.js';
import { Type, type Static } from '@sinclair/typebox';
import { Either, Hash, Height, Hex32, Hex64, TimeMs, Word } from '../../schemas/common.js';
import { Receipt, TxBody } from '../../schemas/ledger.js';
import { AnchorArgs, NotaryMeta } from './module.js';

/** Most hashes one aggregation request queues. */
export const BATCH_REQUEST_HASHES_MAX = 100_000;
/** Most receipts one request asks for. */
export const RECEIPTS_REQUEST_MAX = 1_000;

export const HashParams = Type.Object({ hash: Hash });

export const AnchorBody = Type.Object(
  {
    body: Type.Composite([TxBody, Type.Object({ module: Type.Literal('notary'), action: Type.Literal('anchor'), args: AnchorArgs })], { additionalProperties: false }),
    sig: Hex64,
  },
  { additionalProperties: false, description: 'A signed notary.anchor transaction.' },
);

export const BatchBody = Type.Object({ hashes: Type.Array(Hash, { minItems: 1, maxItems: BATCH_REQUEST_HASHES_MAX }) }, { additionalProperties: false });
/** Requests of at most this many hashes are told which were anchored before (a look-up per hash). */
export const ANCHORED_REPORT_MAX = 1_000;

export const BatchQueued = Type.Object(
  {
    status: Type.Literal('pending'),
    count: Type.Integer({ minimum: 0, description: 'distinct hashes newly queued (repeats of a waiting hash are not counted)' }),
    anchored: Type.Optional(
      Type.Array(
        Type.Object({ hash: Hash, height: Height, time: TimeMs, timeIso: Type.String({ format: 'date-time', description: 'the block time, ISO 8601 UTC' }) }, { title: 'NotaryAnchoredBefore' }),
        {
          maxItems: ANCHORED_REPORT_MAX,
          description: `For a request of at most ${ANCHORED_REPORT_MAX} hashes: those already anchored, each with its earliest anchoring (block and time). They are queued again all the same; look-ups and receipts report the earliest.`,
        },
      ),
    ),
  },
  { title: 'NotaryBatchQueued' },
);

export const ReceiptsBody = Type.Object({ hashes: Type.Array(Hash, { minItems: 1, maxItems: RECEIPTS_REQUEST_MAX }) }, { additionalProperties: false });
export const ReceiptError = Type.Object(
  { hash: Hash, code: Type.String({ description: 'NOTARY_NOT_ANCHORED, NOTARY_PENDING or RECEIPT_UNAVAILABLE' }), message: Type.String() },
  { title: 'NotaryReceiptError' },
);
export const Receipts = Type.Object({ receipts: Type.Array(Either('type', 'polity.notary.receipt', Receipt, ReceiptError)) }, { title: 'NotaryReceipts' });

export const Lookup = Type.Object(
  {
    hash: Hash,
    status: Word(['anchored', 'pending', 'unknown']),
    mode: Type.Optional(Word(['signed', 'batch'])),
    height: Type.Optional(Height),
    time: Type.Optional(TimeMs),
    blockHash: Type.Optional(Hex32),
    txId: Type.Optional(Hex32),
    signer: Type.Optional(Hex32),
    meta: Type.Optional(NotaryMeta),
  },
  { title: 'NotaryLookup', description: 'Where and when a hash was first anchored, or that it waits, or is unknown.' },
);

/** Longest reference looked up, in characters: the module's limit on `meta.reference`. */
export const REFERENCE_CHARS_MAX = 128;
/** Most documents one page of a reference lists. */
export const REFERENCE_PAGE_MAX = 100;

export const ReferenceParams = Type.Object({
  reference: Type.String({ minLength: 1, description: `a document reference (\`meta.reference\` of a signed anchor), exact and case-sensitive; at most ${REFERENCE_CHARS_MAX} characters (longer: NOTARY_REFERENCE_INVALID)` }),
});
export const ReferenceQuery = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: REFERENCE_PAGE_MAX, default: 20 })),
    cursor: Type.Optional(CursorParam),
  },
  { additionalProperties: false },
);
export const ReferenceList = Type.Object(
  {
    reference: Type.String(),
    items: Type.Array(
      Type.Object(
        {
          hash: Hash,
          height: Height,
          time: TimeMs,
          timeIso: Type.String({ format: 'date-time', description: 'the block time, ISO 8601 UTC' }),
          txId: Hex32,
          signer: Hex32,
          docType: Type.Optional(Type.String()),
        },
        { title: 'NotaryReferencedDocument' },
      ),
      { maxItems: REFERENCE_PAGE_MAX, description: 'documents anchored with this reference by signed anchors, newest first' },
    ),
    next: Type.Union([Type.String(), Type.Null()], { description: 'the cursor of the next page; null on the last' }),
  },
  { title: 'NotaryReferenceList' },
);

/** What the notary adds to GET /v1/status. */
export const StatusFields = Type.Object({ notaryPendingHashes: Type.Integer({ minimum: 0, description: 'hashes waiting for an aggregation batch or its block' }) });

export type LookupT = Static<typeof Lookup>;
export type ReceiptT = Static<typeof Receipt>;
export type ReceiptErrorT = Static<typeof ReceiptError>;

/** The notary's host part, as its routes use it (src/services/notary/host.ts implements it). */
export interface NotaryHostApi {
  /** Queue document hashes for the next aggregation batch (64-hex strings, or 32 bytes each back to back); how many distinct hashes were newly queued. */
  submitHashes(hashes: readonly string[] | Uint8Array): Promise<number>;
  lookup(hash: string): Promise<LookupT>;
  /** The receipt of an anchored hash; throws NOTARY_PENDING or NOTARY_NOT_ANCHORED otherwise. */
  receipt(hash: string): Promise<ReceiptT>;
  receipts(hashes: readonly string[]): Promise<(ReceiptT | ReceiptErrorT)[]>;
  /** Where aggregated hashes were anchored (the earliest), from the hash index; undefined for one not aggregated. */
  locations(hashes: readonly string[]): Promise<({ height: number } | undefined)[]>;
  /** Documents anchored with a reference (exact), newest first: at most `limit`, below `before` (height, transaction index). */
  references(reference: string, limit: number, before?: { height: number; txIndex: number }): Promise<{ hash: string; height: number; txIndex: number }[]>;
}
