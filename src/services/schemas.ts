/** Argument schemas several modules share: written once, so the modules cannot drift apart. */
import { Type } from '@sinclair/typebox';
import { TOTAL_POWER_MAX } from '../ledger/genesis.js';
import { ORG_ID_PATTERN } from '../runtime/membership.js';

/** An Ed25519 public key, or a transaction id: 32 bytes, lowercase hex. */
export const Hex32 = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** A member organisation's id (runtime/membership.ts). */
export const OrgId = Type.String({ pattern: ORG_ID_PATTERN });
/** A validator as a set lists it. */
export const ValidatorSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    pubKey: Hex32,
    power: Type.Integer({ minimum: 1, maximum: TOTAL_POWER_MAX }),
  },
  { additionalProperties: false },
);
