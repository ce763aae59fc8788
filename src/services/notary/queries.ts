/** Pure reads of the notary's state: what its routes, receipts and pages show. */
import type { Json } from '../../crypto/canonical-json.js';
import { batchKey, docKey, type AnchorRecord, type BatchRecord } from './module.js';

type Get = (key: string) => Json | undefined;

/** The record of a hash anchored with a signed notary.anchor, if it was. */
export function signedAnchor(get: Get, hash: string): AnchorRecord | undefined {
  return get(docKey(hash)) as AnchorRecord | undefined;
}

/** The record of an aggregation batch's root, if it was anchored. */
export function batchAnchor(get: Get, root: string): BatchRecord | undefined {
  return get(batchKey(root)) as BatchRecord | undefined;
}
