/**
 * Requests and answers of DID resolution over HTTP (spec/did-method.md §6,
 * spec/services/did.md). Documents and metadata follow W3C DID Core and DID
 * Resolution; their members are open (a DID document may carry more than
 * this node writes), so they pass through whole.
 */
import { Type, type Static } from '@sinclair/typebox';
import { CursorParam, Height, NextCursor } from '../../schemas/common.js';
import type { DidResolutionResult, DidVersion } from './method.js';

export const DidParams = Type.Object({ did: Type.String({ description: 'a DID: did:polity:<32 hex> or did:key:z6Mk… (URL-encoding optional)' }) });

export const DidResolveQuery = Type.Object(
  {
    versionId: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,8}$', description: 'a version number: 1, 2, …' })),
    versionTime: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'ISO 8601 date and time with a zone, e.g. 2025-03-01T12:00:00Z: the version in force then' })),
    height: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'a block height: the version in force after that block' })),
  },
  { additionalProperties: false },
);

export const DidHistoryQuery = Type.Object(
  {
    cursor: Type.Optional(CursorParam),
    from: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000, description: 'first version to list (the older form of cursor; default 1)' })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000, default: 1_000, description: 'most versions to list' })),
  },
  { additionalProperties: false },
);

const Open = Type.Record(Type.String(), Type.Unknown());

/** A W3C DID Resolution result; on errors also Polity's {code, message}. */
export const Resolution = Type.Unsafe<DidResolutionResult & { code?: string; message?: string }>(
  Type.Object(
    {
      '@context': Type.Optional(Type.String()),
      didDocument: Type.Union([Open, Type.Null()]),
      didResolutionMetadata: Open,
      didDocumentMetadata: Open,
      code: Type.Optional(Type.String()),
      message: Type.Optional(Type.String()),
    },
    { title: 'DidResolution', description: 'A W3C DID Resolution result; on errors also Polity’s {code, message} beside it.' },
  ),
);

export const DidVersionRecord = Type.Unsafe<DidVersion>(Type.Object({}, { additionalProperties: true, title: 'DidVersion', description: 'One version of a DID: its key, services, block and operation (spec/did-method.md §5).' }));

export const DidHistory = Type.Object(
  {
    did: Type.String(),
    height: Height,
    total: Type.Integer({ minimum: 1, description: 'how many versions the DID has' }),
    deactivated: Type.Boolean(),
    from: Type.Integer({ minimum: 1 }),
    versions: Type.Array(DidVersionRecord),
    next: NextCursor,
  },
  { title: 'DidHistory' },
);

export type DidHistoryT = Static<typeof DidHistory>;
