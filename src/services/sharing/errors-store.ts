/**
 * Error codes of the data-sharing service's node side: the private store
 * and record transfers (spec/services/sharing.md §Private store, §Transfer).
 * Joined to the module's codes (errors.ts) in the service's one table.
 * Messages name records by their random id, never a value or a subject.
 */
import { defineErrors, type DetailsOf } from '../../ledger/errors.js';

export const SHARING_STORE_ERRORS = defineErrors({
  SHARING_STORE_INVALID: { status: 400, arises: 'the private store, `POST /v1/sharing/records`', meaning: 'a record or envelope that is malformed or over a limit: no fields, more than 64, a field name outside [a-z][a-zA-Z0-9_]{0,31}, more than 64 KiB of JSON, or an envelope with no wrap for this node' },
  SHARING_STORE_FULL: { status: 507, arises: 'the private store', meaning: "the node's private store holds its limit of records (100,000 by default)" },
  SHARING_RECORD_NOT_HELD: { status: 404, arises: 'the private store, record transfers', meaning: 'this node holds no record with this id (never stored here, or erased)' },
  SHARING_STORE_MISMATCH: { status: 409, arises: 'the private store', meaning: 'a stored record does not open with the node key, or does not match its commitment on the chain: it is not released' },
  SHARING_COMMITMENT_MISMATCH: { status: 502, arises: 'record transfers and replication', meaning: "the record another node sent does not open for this node, is not a held record of the request's holder and dataset, carries other fields than those asked for, or does not match its commitment on the chain: it is refused, and the refusal is recorded on the chain" },
  SHARING_TRANSFER_FAILED: { status: 502, arises: 'record transfers', meaning: "no node of the holding organisation answered (not connected, timed out, or it refused: its reason is in the message)" },
  SHARING_TRANSFER_NOT_ALLOWED: { status: 403, arises: 'record transfers', meaning: "the asking node's organisation may not receive this record: no release for it on the chain" },
  SHARING_TRANSFER_ANSWERED: { status: 409, arises: 'record transfers', meaning: "the holder's node answered this released request already (it remembers across restarts, in `<data>/sharing/served.log`): a release is good for one transfer, a new read needs a new request" },
  SHARING_RELEASE_STALE: { status: 410, arises: 'record transfers', meaning: 'the release is older than the 7 days within which the holder answers it: a new read needs a new request' },
  SHARING_ACCESS_NOT_RECORDED: { status: 503, arises: 'the private store, record transfers', meaning: 'the access entry could not be recorded on the chain in time, so the record was not read' },
});

declare module '../../ledger/errors.js' {
  interface ErrorRegistry extends DetailsOf<typeof SHARING_STORE_ERRORS> {}
}
