/**
 * The full readability scan of a chain store: every stored value read back
 * once, raw, and every block body and kept header parsed and checked
 * against its own certificate (spec/storage.md §8.3).
 *
 * Why it is not part of start-up: its cost is the store's size (every body,
 * every attachment of every notary batch), and a node that must read
 * hundreds of megabytes before it answers is a node whose restart is an
 * outage. Start-up checks what the next block builds on (the links over
 * the headers, the head, the last body, the state root: chain-state.ts);
 * this scan runs after the node has started, in chunks with a pause between
 * them so that it reads at most `bytesPerSecond` on average and never holds
 * the event loop or a LevelDB snapshot for long, and on demand as `polity check`
 * (offline, unpaced).
 *
 * What it finds is named by kind and height ("block 17", "the transaction
 * index"), never by key: state keys and transaction ids stay out of logs.
 * After damage it goes on from the next kind of key, so one bad table does
 * not hide another.
 */
import { join } from 'node:path';
import { blockHash as hashOfHeader, type BlockHeader, type CommitCertificate } from '../ledger/block.js';
import { PolityError } from '../ledger/errors.js';
import { genesisHash as hashOfGenesis } from '../ledger/genesis.js';
import { signBytes, verifyBytes } from '../crypto/ed25519.js';
import { createModuleRegistry } from '../runtime/registry.js';
import { createChainStore } from '../storage/chain-store.js';
import { COMMIT_RECORD_FILE, createCommitRecordFile } from '../storage/commit-record.js';
import type { ChainStore, CommitRecordFile } from '../storage/interface.js';
import { createChainState } from './chain-state.js';
import { loadDataDir } from './data-dir.js';
import { createLogger } from './log.js';
import type { NodeService } from './service-host.js';

/**
 * Entries read per chunk: one iterator, run to this limit, then a pause.
 * A count, not bytes: an iteration must end by itself for LevelDB to report
 * a block it could not read (chain-store.ts). Most entries are small (a few
 * hundred bytes: a chunk is a few milliseconds of reading); a block body or
 * a notary batch's leaves can be megabytes, and the pause after the chunk
 * grows with what it read.
 */
export const SCAN_CHUNK_ENTRIES = 1024;
/** The background scan's default pace: a 300 MB store is read in about 20 s, a small share of one disk and one core. */
export const SCAN_BYTES_PER_SECOND = 16 * 1024 * 1024;
/** Most damaged places one scan reports (one per kind of key at most, in practice). */
const DAMAGE_REPORTED_MAX = 16;
/** The kinds of key in the store (chain-store.ts), in key order, and what a message calls them. */
const KINDS: readonly { prefix: string; name: (rest: string) => string }[] = [
  { prefix: 'b/', name: (h) => `block ${Number(h)}` },
  { prefix: 'bh/', name: () => 'the block-hash index' },
  { prefix: 'm/', name: () => 'the block-history tree' },
  { prefix: 'meta/', name: () => 'the head' },
  { prefix: 'nl/', name: () => 'the notary batch leaves and other attachments' },
  { prefix: 'r/', name: (h) => `the results of block ${Number(h)}` },
  { prefix: 's/', name: () => 'the state' },
  { prefix: 'sh/', name: (h) => `the header of block ${Number(h)}` },
  { prefix: 't/', name: () => 'the transaction index' },
];
/** Kinds stored at every height from 1 (chain-store.ts; `sh/` only from when headers were kept apart, and 1 for a new store). */
const HEIGHTED = ['b/', 'r/'];
/** Sorts after every key with a given prefix (no UTF-8 byte is above 0xF4). */
const PAST = '\u{10FFFF}';

const kindOf = (key: string): (typeof KINDS)[number] | undefined => KINDS.find((k) => key.startsWith(k.prefix));
/** What a message calls the entry at `key`: its kind and height, never the key itself. */
export const describeKey = (key: string): string => {
  const kind = kindOf(key);
  return kind ? kind.name(key.slice(kind.prefix.length)) : 'an entry of unknown kind';
};

export interface StoreScanResult {
  ok: boolean;
  /** Each damaged place, as a sentence that names the store (no keys, no personal data). */
  damage: string[];
  entries: number;
  bytes: number;
  blocks: number;
  ms: number;
}

export interface StoreScanOptions {
  /** Most bytes read per second; Infinity for `polity check`. */
  bytesPerSecond?: number;
  chunkEntries?: number;
  /** Stop early (the node is closing). */
  stopped?: () => boolean;
  /** Told of each damaged place as soon as it is found. */
  onDamage?: (message: string) => void;
}

const pause = (ms: number): Promise<void> => new Promise((resolve) => (ms > 0 ? setTimeout(resolve, ms).unref() : setImmediate(resolve)));

/** A block body or kept header: parsed, and its certificate for its own header at its own height. */
function checkBlockEntry(key: string, value: Uint8Array): string | undefined {
  let parsed: { header?: BlockHeader; certificate?: CommitCertificate };
  try {
    parsed = JSON.parse(Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('utf8'));
  } catch {
    return `${describeKey(key)} is not the JSON that was written`;
  }
  const height = Number(key.slice(key.indexOf('/') + 1));
  if (parsed.header?.height !== height) return `${describeKey(key)} holds another height`;
  if (parsed.certificate?.blockHash !== hashOfHeader(parsed.header)) return `the certificate stored with ${describeKey(key)} is for another block`;
  return undefined;
}

/** Read the whole store back once (see the header); resolves with what it found, never throws for damage. */
export async function scanStore(store: ChainStore, options: StoreScanOptions = {}): Promise<StoreScanResult> {
  const rate = options.bytesPerSecond ?? SCAN_BYTES_PER_SECOND;
  const chunkEntries = options.chunkEntries ?? SCAN_CHUNK_ENTRIES;
  const started = performance.now();
  const result: StoreScanResult = { ok: true, damage: [], entries: 0, bytes: 0, blocks: 0, ms: 0 };
  const report = (what: string): void => {
    result.ok = false;
    if (result.damage.length >= DAMAGE_REPORTED_MAX) return;
    const message = `the chain store ${store.path} is damaged: ${what}`;
    result.damage.push(message);
    options.onDamage?.(message);
  };
  let after: string | undefined;
  const lastHeight = new Map<string, number>();
  for (;;) {
    if (options.stopped?.()) break;
    const t0 = performance.now();
    let chunkBytes = 0;
    const reportedBefore = result.damage.length;
    const chunk = await store.scanChunk(after, chunkEntries, (key, value) => {
      result.entries++;
      chunkBytes += key.length + value.byteLength;
      // Blocks, results and headers are stored at every height from 1: a height skipped is one LevelDB could not read.
      const heighted = HEIGHTED.find((p) => key.startsWith(p));
      if (heighted) {
        const height = Number(key.slice(heighted.length));
        const expected = (lastHeight.get(heighted) ?? 0) + 1;
        if (height > expected) report(`${describeKey(heighted + String(expected))}${height > expected + 1 ? ` to ${height - 1}` : ''} cannot be read back`);
        lastHeight.set(heighted, height);
      }
      if (key.startsWith('b/') || key.startsWith('sh/')) {
        if (key.startsWith('b/')) result.blocks++;
        const problem = checkBlockEntry(key, value);
        if (problem) report(problem);
      }
    });
    result.bytes += chunkBytes;
    if (chunk.damage !== undefined) {
      // LevelDB skipped what it could not read and says so only now: the gaps above name it
      // when it held blocks, results or headers; otherwise, the chunk it was in.
      if (result.damage.length === reportedBefore) report(`entries up to ${chunk.next === undefined ? 'the first' : describeKey(chunk.next)} cannot be read back (${chunk.damage})`);
      else result.damage[result.damage.length - 1] += ` (${chunk.damage})`;
      // Go on from the next kind of key: LevelDB cannot step over what it cannot read.
      const kind = chunk.next === undefined ? KINDS[0] : kindOf(chunk.next);
      const resume = kind ? kind.prefix + PAST : undefined;
      if (resume === undefined || (after !== undefined && resume <= after)) break;
      after = resume;
    } else if (chunk.next === undefined) {
      break;
    } else {
      after = chunk.next;
    }
    // The pace: this chunk's bytes at `rate`, less the time the read itself took.
    if (Number.isFinite(rate)) await pause((chunkBytes / rate) * 1000 - (performance.now() - t0));
  }
  result.ms = Math.round(performance.now() - started);
  return result;
}

export interface DataDirCheck extends StoreScanResult {
  /** The height the store holds (0 when the start-up checks refused it). */
  height: number;
}

/** A commit record that is read, never written: `polity check` changes nothing. */
const readOnly = (record: CommitRecordFile): CommitRecordFile => ({ path: record.path, load: () => record.load(), save: async () => {}, close: () => record.close() });

/**
 * `polity check`: the start-up checks of `polity start` (the links, the
 * head, the commit record, the state root), then the full scan, unpaced, on
 * a stopped node's data directory. Damage is data: `ok: false` with what
 * was found.
 */
export async function checkDataDir(dir: string, services: readonly NodeService[]): Promise<DataDirCheck> {
  const data = await loadDataDir(dir);
  const { genesis } = data;
  const nodeKey = data.nodeKey.publicKey;
  const store = createChainStore(join(dir, 'chain'));
  const commitRecord = createCommitRecordFile(join(dir, COMMIT_RECORD_FILE), {
    chainId: genesis.chainId,
    genesisHash: hashOfGenesis(genesis),
    nodeKey,
    sign: (message) => signBytes(data.nodeKey.secretKey, message),
    verify: verifyBytes,
  });
  const started = performance.now();
  let chain;
  try {
    chain = await createChainState({
      store,
      genesis,
      registry: createModuleRegistry(services.map((s) => s.module)),
      log: createLogger('silent'),
      commitRecord: readOnly(commitRecord),
      resync: genesis.validators.length > 1,
    });
  } catch (e) {
    if (!(e instanceof PolityError && e.code === 'STORE_CORRUPT')) throw e;
    return { ok: false, damage: [e.message], entries: 0, bytes: 0, blocks: 0, ms: Math.round(performance.now() - started), height: 0 };
  }
  try {
    const scanned = await scanStore(store, { bytesPerSecond: Infinity });
    return { ...scanned, ms: Math.round(performance.now() - started), height: chain.height };
  } finally {
    await chain.close();
  }
}
