/** Pure reads of DIDs: resolution at the head or at a point in the past, history, the key in force. */
import type { Json } from '../../crypto/canonical-json.js';
import { currentDidKey, getHead, readVersions, type DidHead } from './module.js';
import { parseDid, resolutionError, resolveDidKey, resolveFromVersions, type DidResolutionResult, type DidVersion, type ResolveOptions } from './method.js';

type Get = (key: string) => Json | undefined;

/** What a resolution reads: committed state, the chain's height and id. */
export interface ChainView {
  get: Get;
  height: number;
  chainId: string;
}

/** Resolve a DID (did:polity from the state, did:key locally) at the head or as `options` say. Throws resolution errors. */
export function resolveDid(chain: ChainView, text: string, options: ResolveOptions): DidResolutionResult {
  const parsed = parseDid(text);
  if (options.height !== undefined && options.height > chain.height) {
    throw resolutionError('invalidOptions', `height: the chain is at block ${chain.height}; block ${options.height} does not exist yet`);
  }
  const result = parsed.method === 'key' ? resolveDidKey(parsed.did, options) : resolveFromVersions(parsed.did, readVersions(chain.get, parsed.id), chain.height, options);
  result.didResolutionMetadata = { ...result.didResolutionMetadata, ...(parsed.method === 'polity' ? { chainId: chain.chainId } : {}), height: chain.height };
  return result;
}

/** A page of a did:polity DID's versions, from version `from`. Throws resolution errors. */
export function didHistory(get: Get, text: string, from: number, limit: number): { did: string; head: DidHead; versions: DidVersion[] } {
  const parsed = parseDid(text);
  if (parsed.method === 'key') throw resolutionError('methodNotSupported', 'a did:key has no history: its document is derived from the key and never changes');
  const head = getHead(get, parsed.id);
  if (!head) throw resolutionError('notFound', 'no DID with this identifier exists on this chain');
  return { did: parsed.did, head, versions: readVersions(get, parsed.id).slice(from - 1, from - 1 + limit) };
}

/** The key currently valid for a did:polity DID of this chain (undefined when unknown or deactivated): what signed requests and sessions accept. */
export function keyOfDid(get: Get, did: string): string | undefined {
  return currentDidKey(get, did);
}
