/**
 * Requests and answers of the data-sharing routes (spec/services/sharing.md
 * §6). Every answer is on the chain already (GET /v1/state serves the same
 * values); these shape it for people and tools and carry the height it
 * reflects. Nothing here is personal: subjects are pseudonyms.
 */
import { Type, type Static } from '@sinclair/typebox';
import { ORG_ID_PATTERN } from '../../runtime/membership.js';
import { CursorParam, NextCursor } from '../../schemas/common.js';
import { Hex32 } from '../schemas.js';
import { CHANNELS, DECLINE_REASONS, ERASE_REASONS, SENSITIVITIES } from './module.js';
import { DATASET_NAME_PATTERN, SUBJECT_PATTERN } from './consent.js';
import { LIST_LIMIT_MAX } from './queries.js';

const lit = <T extends string>(xs: readonly T[]) => Type.Union(xs.map((x) => Type.Literal(x)));
const Height = Type.Integer({ description: 'the block whose state the answer reflects' });
const Sensitivity = lit(SENSITIVITIES);

export const OrgParams = Type.Object({ org: Type.String({ pattern: ORG_ID_PATTERN }) });
export const DatasetParams = Type.Object({ org: Type.String({ pattern: ORG_ID_PATTERN }), name: Type.String({ pattern: DATASET_NAME_PATTERN }) });
export const IdParams = Type.Object({ id: Hex32 });
export const SubjectParams = Type.Object({ subject: Type.String({ pattern: SUBJECT_PATTERN, description: 'the subject pseudonym (a did:key or did:polity)' }) });
/** A dataset's change log: a page of up to 100 versions unless ?limit asks for fewer. */
export const HistoryQuery = Type.Object(
  {
    cursor: Type.Optional(CursorParam),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'where the page starts (the older form of cursor; default 0)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIST_LIMIT_MAX, default: LIST_LIMIT_MAX })),
  },
  { additionalProperties: false },
);

export const PageQuery = Type.Object(
  {
    cursor: Type.Optional(CursorParam),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'where the page starts (the older form of cursor; default 0)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: LIST_LIMIT_MAX, default: 20 })),
  },
  { additionalProperties: false },
);

const TermView = Type.Object({ recipient: Type.String({ description: 'an organisation, or * for any member' }), legalBasis: Type.String(), fields: Type.Array(Type.String()), approval: lit(['auto', 'manual'] as const) });
const DescriptorProps = {
  name: Type.String(),
  title: Type.String(),
  description: Type.Optional(Type.String()),
  fields: Type.Array(Type.Object({ name: Type.String(), sensitivity: Sensitivity })),
  sensitivity: Sensitivity,
  legalBasis: Type.String({ description: 'the legal basis on which the organisation holds the data' }),
  terms: Type.Array(TermView),
  retentionDays: Type.Integer(),
};
export const DatasetView = Type.Object({
  ...DescriptorProps,
  org: Type.String(),
  version: Type.Integer(),
  hash: Type.String({ description: 'SHA-256 of the RFC 8785 JSON of this version of the descriptor' }),
  definedAt: Type.Integer({ description: 'height of version 1' }),
  changedAt: Type.Integer({ description: 'height of this version' }),
});
export type DatasetViewT = Static<typeof DatasetView>;
export const VersionView = Type.Object({
  version: Type.Integer(),
  hash: Type.String(),
  descriptor: Type.Object(DescriptorProps),
  previous: Type.Optional(Type.String({ description: "the hash of the version before: the change log is a chain" })),
  height: Type.Integer(),
  time: Type.Integer(),
  txId: Type.String(),
  key: Type.String({ description: 'the key that signed the change' }),
});
export const DirectoryView = Type.Object({ height: Height, datasets: Type.Array(DatasetView), truncated: Type.Boolean() });
export type DirectoryViewT = Static<typeof DirectoryView>;
export const DatasetAnswer = Type.Object({ height: Height, dataset: DatasetView, history: Type.Array(VersionView), next: NextCursor });
export type DatasetAnswerT = Static<typeof DatasetAnswer>;

export const RecordView = Type.Object({
  height: Height,
  record: Type.Object({
    recordId: Type.String(),
    org: Type.String(),
    dataset: Type.String(),
    datasetVersion: Type.Integer(),
    commitment: Type.String({ description: 'HMAC-SHA256 of the record under a 32-byte salt the holders keep' }),
    holders: Type.Array(Type.String()),
    retentionUntil: Type.Integer(),
    height: Type.Integer(),
    time: Type.Integer(),
    status: lit(['held', 'erasing', 'purged'] as const),
    erasure: Type.Optional(Type.Object({ reason: lit(ERASE_REASONS), height: Type.Integer(), time: Type.Integer(), key: Type.String() })),
    purged: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: 'holder → height of its purge confirmation' })),
  }),
});

const ErasureDocView = Type.Object({
  type: Type.Literal('polity-sharing-erasure'),
  v: Type.Literal(1),
  chainId: Type.String(),
  id: Type.String(),
  subject: Type.String(),
  holder: Type.String(),
  dataset: Type.String(),
  recordId: Type.Optional(Type.String()),
});
export const ErasureStatusView = Type.Object({
  request: Type.Object({
    erasure: ErasureDocView,
    signature: Type.String(),
    height: Type.Integer({ description: 'the block that recorded the request' }),
    time: Type.Integer(),
    txId: Type.String(),
    records: Type.Array(Type.String(), { description: 'the records the holder ordered erased for it' }),
  }),
  records: Type.Array(
    Type.Object({
      recordId: Type.String(),
      holders: Type.Array(Type.String()),
      status: lit(['held', 'erasing', 'purged'] as const),
      purged: Type.Optional(Type.Record(Type.String(), Type.Integer(), { description: 'holder → height of its purge confirmation' })),
    }),
    { description: 'the first 100 of those records, each with its purge by every holder' },
  ),
  recordsTotal: Type.Integer(),
});
export type ErasureStatusViewT = Static<typeof ErasureStatusView>;
export const ErasuresAnswer = Type.Object({ height: Height, subject: Type.String(), erasures: Type.Array(ErasureStatusView), truncated: Type.Boolean() });
export type ErasuresAnswerT = Static<typeof ErasuresAnswer>;

const ConsentDoc = Type.Object({
  type: Type.Literal('polity-sharing-consent'),
  v: Type.Literal(1),
  chainId: Type.String(),
  id: Type.String(),
  subject: Type.String(),
  holder: Type.String(),
  dataset: Type.String(),
  fields: Type.Array(Type.String()),
  recipient: Type.String(),
  purpose: Type.String(),
  until: Type.Integer(),
});
export const ConsentView = Type.Object({
  consent: ConsentDoc,
  signature: Type.String(),
  grantedAt: Type.Integer({ description: 'height that recorded it; effective from the next' }),
  grantedTime: Type.Integer(),
  txId: Type.String(),
  revokedAt: Type.Optional(Type.Integer({ description: 'height that recorded the revocation; effective from the next' })),
  revokedTime: Type.Optional(Type.Integer()),
  revocationSignature: Type.Optional(Type.String()),
  state: lit(['pending', 'effective', 'revoked', 'expired'] as const),
});
export type ConsentViewT = Static<typeof ConsentView>;
export const ConsentAnswer = Type.Object({ height: Height, consent: ConsentView });
export const ConsentsAnswer = Type.Object({ height: Height, subject: Type.String(), consents: Type.Array(ConsentView) });
export type ConsentsAnswerT = Static<typeof ConsentsAnswer>;

export const RequestView = Type.Object({
  id: Type.String(),
  org: Type.String({ description: 'the requesting organisation' }),
  official: Type.String({ description: 'the key of the official who asked' }),
  holder: Type.String(),
  dataset: Type.String(),
  fields: Type.Array(Type.String()),
  subject: Type.String({ description: 'the subject pseudonym' }),
  purpose: Type.String(),
  consent: Type.Optional(Type.String()),
  legalBasis: Type.Optional(Type.String()),
  approval: lit(['auto', 'manual'] as const),
  status: lit(['pending', 'released', 'refused', 'declined'] as const),
  height: Type.Integer(),
  time: Type.Integer(),
  decided: Type.Optional(Type.Object({ height: Type.Integer(), time: Type.Integer(), key: Type.String(), entry: Type.Optional(Type.String()), code: Type.Optional(Type.String()), reason: Type.Optional(lit(DECLINE_REASONS)) })),
});
export type RequestViewT = Static<typeof RequestView>;
export const RequestAnswer = Type.Object({ height: Height, request: RequestView });
export const QueueAnswer = Type.Object({ height: Height, org: Type.String(), total: Type.Integer(), offset: Type.Integer(), requests: Type.Array(RequestView), next: NextCursor });
export type QueueAnswerT = Static<typeof QueueAnswer>;

export const EntryView = Type.Object({
  id: Type.String({ description: 'the id of the transaction that wrote the entry' }),
  outcome: lit(['granted', 'refused'] as const),
  code: Type.Optional(Type.String({ description: 'why a refused read was refused' })),
  org: Type.String({ description: 'the organisation that read (or tried to)' }),
  official: Type.String({ description: 'the key of its official' }),
  holder: Type.String(),
  dataset: Type.String(),
  fields: Type.Array(Type.String()),
  subject: Type.String({ description: 'the subject pseudonym' }),
  purpose: Type.String(),
  consent: Type.Optional(Type.String()),
  legalBasis: Type.Optional(Type.String()),
  channel: lit(CHANNELS),
  request: Type.Optional(Type.String()),
  height: Type.Integer(),
  time: Type.Integer({ description: 'block time, ms since the epoch' }),
});
export type EntryViewT = Static<typeof EntryView>;
export const EntryAnswer = Type.Object({ height: Height, entry: EntryView });
export const AccessAnswer = Type.Object({ height: Height, subject: Type.String(), total: Type.Integer(), offset: Type.Integer(), entries: Type.Array(EntryView), next: NextCursor });
export type AccessAnswerT = Static<typeof AccessAnswer>;
