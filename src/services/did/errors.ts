/** Error codes of citizen identity, `did:polity` (spec/services/did.md, spec/did-method.md §10). */
import { Type } from '@sinclair/typebox';
import { defineErrors, type DetailsOf } from '../../ledger/errors.js';

/** On resolution routes: the DID Resolution error name (W3C DID Resolution) beside Polity's code. */
const Resolution = Type.Object({ error: Type.String({ description: 'invalidDid, notFound, methodNotSupported, invalidOptions or invalidPublicKey (a did:key whose key is no Ed25519 point)' }) });

export const DID_ERRORS = defineErrors({
  DID_EXISTS: {
    status: 409,
    arises: '`did.create`',
    meaning: 'a key that created its DID already, or that is or was a key of a DID; `details.did` is that DID',
    details: Type.Object({ did: Type.String() }),
  },
  DID_UNKNOWN: { status: 404, arises: '`did.*`; `GET /v1/dids/{did}`', meaning: 'no DID with this identifier (or none at the height, version or time asked)', details: Resolution, detailsOptional: true },
  DID_DEACTIVATED: { status: 410, arises: '`did.*`; `GET /v1/dids/{did}` (with the full resolution result)', meaning: 'any change of a deactivated DID; a deactivated DID resolves with `deactivated: true`' },
  DID_NOT_CONTROLLER: { status: 403, arises: 'holder actions (`did.rotate`, `update`, `deactivate`)', meaning: "the signer never was a key of this DID" },
  DID_KEY_NOT_CURRENT: {
    status: 403,
    arises: 'holder actions',
    meaning: 'the signer is a former key of this DID; sign with the key in force. `details.version` is the DID\'s current version',
    details: Type.Object({ version: Type.Integer({ minimum: 1 }) }),
  },
  DID_INVALID: {
    status: 400,
    arises: '`did.*`; `GET /v1/dids/{did}`',
    meaning: "a malformed DID, a bad service, a key that is not fresh or no Ed25519 point (a did:key's: `invalidPublicKey`), recovery to the registrar's own key, the version limit",
    details: Resolution,
    detailsOptional: true,
  },
  DID_METHOD_UNSUPPORTED: { status: 400, arises: '`GET /v1/dids/{did}`', meaning: 'another DID method, or a did:key that is not Ed25519', details: Resolution },
});

declare module '../../ledger/errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof DID_ERRORS> {}
}
