/**
 * The consensus write-ahead log in a file of its own, `<data>/consensus-wal`:
 * every proposal and vote this validator signs is appended and fsynced
 * before it is sent (spec/consensus.md §7).
 *
 * Why apart from the block store: the usual way to repair a damaged node
 * is to delete its `chain/` and let it resync from its peers. When the log
 * lived inside that database (as `w/` keys), the repair also deleted the
 * validator's record of what it had signed, and a wiped validator could
 * sign a second proposal or vote at a height it had already voted on
 * (double-signing). Here it survives the store, and the node reads it at
 * start to decide from which height it may sign (node/signing-guard.ts).
 *
 * Format: text, one record per line, each line `<crc32 as 8 hex digits>
 * <JSON>`. The first line is the header
 * `{"v":1,"kind":"polity/consensus-wal","genesisHash":"…","prunedThrough":h}`;
 * each further line is `{"message":…}` or `{"message":…,"block":{"hash","body"}}`
 * (the body of the block the message names, with the first message of the
 * height that names it).
 *
 * - Append: one write and one fdatasync per signed message. A crash in the
 *   middle of an append leaves a torn last line, which fails its checksum
 *   and is dropped at the next open: that message was never sent (sending
 *   waits for the sync).
 * - Prune: once a height commits, its messages are no longer needed. A
 *   line `{"prunedThrough":h}` is appended and synced (one append, as a
 *   vote: rewriting the file, a temporary file, two syncs and a rename,
 *   cost about ten times as much on every commit of a busy chain); lines of
 *   heights up to the highest such mark are dropped at the next open. When
 *   the file passes `COMPACT_BYTES` it is rewritten atomically
 *   (atomic-file.ts) with the header's `prunedThrough` raised and only later
 *   heights' lines, as it is at every open. So the file stays small, and it
 *   tells how recent it is: a log whose `prunedThrough` (header or mark) is
 *   older than the chain (restored from an old backup, say) is recognised as
 *   stale.
 * - Damage: a line other than the last that fails its checksum makes the
 *   log untrustworthy; it is reported (`damaged`), and the node then treats
 *   it as lost (it signs nothing until the chain has passed every height it
 *   could have signed).
 */
import { open, readFile, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import type { ConsensusWal, WalMessage, WalRecord } from './interface.js';
import { replaceFile } from './atomic-file.js';

export const CONSENSUS_WAL_FILE = 'consensus-wal';
/** A log larger than this is not read (it holds the messages of one height: kilobytes, plus block bodies). */
const WAL_FILE_BYTES_MAX = 512 * 1024 * 1024;
const HEADER_KIND = 'polity/consensus-wal';
/** A log past this size is rewritten with only the lines still needed when a height is pruned. */
export const COMPACT_BYTES = 1024 * 1024;

interface Entry {
  height: number;
  line: string;
  message: WalMessage;
  block?: { hash: string; body: unknown };
}

const encodeLine = (value: unknown): string => {
  const json = JSON.stringify(value);
  return `${crc32(json).toString(16).padStart(8, '0')} ${json}\n`;
};

/** The JSON of a line whose checksum holds, or undefined. */
const decodeLine = (line: string): unknown => {
  if (line.length < 10 || line[8] !== ' ') return undefined;
  const json = line.slice(9);
  if (crc32(json) !== Number.parseInt(line.slice(0, 8), 16)) return undefined;
  try {
    return JSON.parse(json) as unknown;
  } catch {
    return undefined;
  }
};

const isMessage = (m: unknown): m is WalMessage => {
  const x = m as Partial<WalMessage> | null;
  return typeof x === 'object' && x !== null && typeof x.type === 'string' && Number.isSafeInteger(x.height) && Number.isSafeInteger(x.round);
};

export function createConsensusWal(path: string): ConsensusWal {
  let fh: FileHandle | undefined;
  let genesis = '';
  let prunedThrough = 0;
  let entries: Entry[] = [];
  /** Bytes in the file now (what decides when it is compacted). */
  let fileBytes = 0;

  /** Write the whole log anew (header and the lines kept), atomically; then append to it. */
  async function rewrite(): Promise<void> {
    await fh?.close();
    fh = undefined;
    const header = encodeLine({ v: 1, kind: HEADER_KIND, genesisHash: genesis, prunedThrough });
    const text = header + entries.map((e) => e.line).join('');
    await replaceFile(path, text);
    fileBytes = Buffer.byteLength(text);
    fh = await open(path, 'a');
  }

  /** Parse the log's text; returns why it is damaged, if it is. */
  function parse(text: string): string | undefined {
    const lines = text.split('\n');
    const header = decodeLine(lines[0]!) as { v?: unknown; kind?: unknown; genesisHash?: unknown; prunedThrough?: unknown } | undefined;
    if (!header || header.v !== 1 || header.kind !== HEADER_KIND || !Number.isSafeInteger(header.prunedThrough)) return 'its header is unreadable';
    if (header.genesisHash !== genesis) throw new Error(`the consensus log ${path} belongs to another chain; move it away (it is not this chain's record of what this validator signed)`);
    prunedThrough = header.prunedThrough as number;
    // The text ends with a newline when the last append completed: the final element is then empty.
    const last = lines.length - 1;
    for (let i = 1; i <= last; i++) {
      const line = lines[i]!;
      if (i === last && line === '') break;
      const value = decodeLine(line) as { message?: unknown; block?: { hash?: unknown; body?: unknown }; prunedThrough?: unknown } | undefined;
      if (value && value.message === undefined && Number.isSafeInteger(value.prunedThrough)) {
        prunedThrough = Math.max(prunedThrough, value.prunedThrough as number);
        continue;
      }
      if (!value || !isMessage(value.message)) {
        if (i === last) break; // a torn append: never sent
        return `line ${i + 1} is unreadable`;
      }
      const entry: Entry = { height: value.message.height, line: `${line}\n`, message: value.message };
      if (value.block && typeof value.block.hash === 'string') entry.block = { hash: value.block.hash, body: value.block.body };
      entries.push(entry);
    }
    // Lines of heights a mark pruned are no longer needed.
    entries = entries.filter((e) => e.height > prunedThrough);
    return undefined;
  }

  /** Append the records' lines in one write, then one sync. */
  async function putWalMany(records: readonly { message: WalMessage; block?: { hash: string; body: unknown } }[]): Promise<void> {
    if (records.length === 0) return;
    const lines = records.map((r) => encodeLine(r.block ? { message: r.message, block: r.block } : { message: r.message }));
    const text = lines.join('');
    await fh!.write(text);
    await fh!.datasync();
    fileBytes += Buffer.byteLength(text);
    records.forEach((r, i) => entries.push({ height: r.message.height, line: lines[i]!, message: r.message, ...(r.block ? { block: r.block } : {}) }));
  }

  return {
    path,
    async open(genesisHash) {
      genesis = genesisHash;
      prunedThrough = 0;
      entries = [];
      let text: string | undefined;
      try {
        const bytes = await readFile(path);
        if (bytes.length > WAL_FILE_BYTES_MAX) throw new Error(`the consensus log ${path} is larger than ${WAL_FILE_BYTES_MAX} bytes`);
        text = bytes.toString('utf8');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
      }
      const damaged = text === undefined ? undefined : parse(text);
      if (damaged) entries = [];
      await rewrite();
      const topHeight = entries.reduce((top, e) => Math.max(top, e.height), prunedThrough);
      return { found: text !== undefined, prunedThrough, topHeight, ...(damaged ? { damaged } : {}) };
    },
    async close() {
      await fh?.close();
      fh = undefined;
    },
    putWal: (message, block) => putWalMany([block ? { message, block } : { message }]),
    putWalMany,
    async loadWal(height) {
      const record: WalRecord = { messages: [], blocks: [] };
      const hashes = new Set<string>();
      for (const e of entries) {
        if (e.height !== height) continue;
        record.messages.push(e.message);
        if (e.block && !hashes.has(e.block.hash)) {
          hashes.add(e.block.hash);
          record.blocks.push(e.block.body);
        }
      }
      return record;
    },
    async pruneWal(height) {
      entries = entries.filter((e) => e.height > height);
      prunedThrough = Math.max(prunedThrough, height);
      if (fileBytes >= COMPACT_BYTES) return rewrite();
      const line = encodeLine({ prunedThrough });
      await fh!.write(line);
      await fh!.datasync();
      fileBytes += Buffer.byteLength(line);
    },
  };
}
