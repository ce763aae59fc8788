/**
 * Request and response schemas of the HTTP API, written once in TypeBox. The
 * same objects validate requests (Fastify compiles them with Ajv) and
 * generate the OpenAPI document served at /openapi.json.
 */
import { Type, type Static } from '@sinclair/typebox';
import { AnchorArgs } from '../services/notary/module.js';

export const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$', description: '32 bytes, lowercase hex' });
export const Hex64 = Type.String({ pattern: '^[0-9a-f]{128}$', description: '64 bytes, lowercase hex' });

export const ErrorBody = Type.Object(
  { code: Type.String(), message: Type.String(), details: Type.Optional(Type.Unknown()) },
  { $id: 'Error', description: 'Every error: a stable code (spec/errors.md) and a sentence.' },
);

export const TxBody = Type.Object(
  {
    v: Type.Literal(1),
    chainId: Type.String({ pattern: '^[a-z0-9][a-z0-9-]{0,47}$' }),
    module: Type.String({ pattern: '^[a-z][a-zA-Z0-9]{0,31}$' }),
    action: Type.String({ pattern: '^[a-z][a-zA-Z0-9]{0,31}$' }),
    args: Type.Record(Type.String(), Type.Unknown()),
    signer: Hex32,
    nonce: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    expiresAt: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
  },
  { additionalProperties: false },
);

export const SignedTx = Type.Object({ body: TxBody, sig: Hex64 }, { additionalProperties: false, description: 'A signed transaction (spec/transactions.md).' });

export const WaitQuery = Type.Object({
  wait: Type.Optional(Type.Union([Type.Literal('commit'), Type.Literal('none')], { description: 'commit: answer once the transaction commits (or timeoutMs passes)' })),
  timeoutMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 60_000, default: 10_000 })),
});

export const TxBatch = Type.Object({ txs: Type.Array(SignedTx, { minItems: 1, maxItems: 2_000 }) }, { additionalProperties: false });

export const HashParams = Type.Object({ hash: Hex32 });
export const TxIdParams = Type.Object({ id: Hex32 });
export const BlockRefParams = Type.Object({ ref: Type.String({ pattern: '^(?:[0-9]{1,15}|[0-9a-f]{64}|latest)$', description: 'a height, a block hash, or "latest"' }) });
export const HeightParams = Type.Object({ height: Type.Integer({ minimum: 1 }) });

export const BlocksQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 })),
  before: Type.Optional(Type.Integer({ minimum: 1, description: 'list blocks below this height' })),
});
export const InclusionQuery = Type.Object({ head: Type.Integer({ minimum: 2 }) });
export const ConsistencyQuery = Type.Object({ from: Type.Integer({ minimum: 2 }), to: Type.Integer({ minimum: 2 }) });
export const StateQuery = Type.Object({
  key: Type.String({ minLength: 1, maxLength: 256 }),
  proof: Type.Optional(Type.Boolean({ default: false })),
});

export const NotaryBatchBody = Type.Object({ hashes: Type.Array(Hex32, { minItems: 1, maxItems: 100_000 }) }, { additionalProperties: false });
export const NotaryReceiptsBody = Type.Object({ hashes: Type.Array(Hex32, { minItems: 1, maxItems: 1_000 }) }, { additionalProperties: false });
export const NotaryAnchorBody = Type.Object(
  {
    body: Type.Composite([TxBody, Type.Object({ module: Type.Literal('notary'), action: Type.Literal('anchor'), args: AnchorArgs })], { additionalProperties: false }),
    sig: Hex64,
  },
  { additionalProperties: false, description: 'A signed notary.anchor transaction.' },
);

export type SignedTxT = Static<typeof SignedTx>;
