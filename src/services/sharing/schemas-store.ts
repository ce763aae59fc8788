/**
 * Request and answer schemas of the routes an organisation's officials use
 * to reach their own node's private store (routes-store.ts): store a
 * record, read one of the organisation's own, fetch what a released
 * request names from the holder. These answers carry personal data: they
 * go only to the authenticated official, never into a log.
 */
import { Type, type Static } from '@sinclair/typebox';
import { Hex32, OrgId } from '../schemas.js';
import { DatasetName, FieldName, Fields, Purpose, Subject } from './consent.js';
import { RECORD_FIELDS_MAX } from './envelope.js';

/** A record's fields: names to JSON values (bounded by the store: 64 fields, 64 KiB). */
export const RecordFieldsSchema = Type.Record(FieldName, Type.Unknown(), { maxProperties: RECORD_FIELDS_MAX, minProperties: 1 });

export const StoreRecordBody = Type.Object(
  {
    dataset: DatasetName,
    subject: Subject,
    fields: RecordFieldsSchema,
    /** Other organisations allowed to hold the record (the node's own is always one). */
    holders: Type.Optional(Type.Array(OrgId, { maxItems: 15, uniqueItems: true })),
    /** When the record must be erased, ms since the epoch (within the dataset's retention). */
    retentionUntil: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
export type StoreRecordBody = Static<typeof StoreRecordBody>;
export const StoredRecordView = Type.Object({ recordId: Hex32, commitment: Hex32, height: Type.Integer(), replicatedTo: Type.Integer({ description: "nodes of the other holders that took their copy now (the others are offered it again, with backoff, until they have it or the record is erased)" }) });

export const RecordParams = Type.Object({ id: Hex32 });
export const ReadOwnBody = Type.Object(
  {
    fields: Fields,
    purpose: Purpose,
    consent: Type.Optional(Hex32),
    legalBasis: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
    /** Where the official reads: a program through the API (the default), or a person in the organisation console (/data-sharing). The entry says which. */
    channel: Type.Optional(Type.Union([Type.Literal('api'), Type.Literal('console')])),
  },
  { additionalProperties: false },
);
/** The records the node holds for its organisation: ids and datasets only (no subject, no value). */
export const HeldRecordsView = Type.Object({
  records: Type.Array(Type.Object({ recordId: Hex32, dataset: DatasetName })),
  /** All records held (the list shows the first 1,000). */
  total: Type.Integer(),
});
export const ReadOwnView = Type.Object({ recordId: Hex32, entry: Hex32, fields: RecordFieldsSchema });

export const FetchBody = Type.Object({ request: Hex32 }, { additionalProperties: false });
export const FetchView = Type.Object({
  request: Hex32,
  /** The access entry the release wrote. */
  entry: Type.String(),
  records: Type.Array(Type.Object({ recordId: Hex32, fields: RecordFieldsSchema })),
});
