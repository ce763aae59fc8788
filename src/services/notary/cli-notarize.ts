/**
 * `polity notarize <files...>`: hash each file on this machine (the files
 * never leave it), anchor the hashes, and write `<file>.receipt.json` beside
 * each file (or into --out DIR).
 *
 * Two ways to anchor:
 * - default: the node's aggregation endpoint (KSI-style): thousands of hashes
 *   per request, one transaction per block; the receipt proves existence.
 *   The requests are signed with your key (RFC 9421, spec/api-auth.md).
 * - `--sign` (implied by --type/--ref/--org): one `notary.anchor`
 *   transaction per file signed with your key, carrying the metadata; the
 *   receipt also names you as the signer.
 *
 * Each receipt is verified against the chain's genesis before it is written.
 */
import { writeFile, mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { KeyPair } from '../../crypto/ed25519.js';
import type { Genesis } from '../../ledger/genesis.js';
import type { Receipt } from '../../ledger/receipt.js';
import { createReceiptCache, verifyReceipt } from '../../ledger/receipt-verify.js';
import { signTx } from '../../ledger/sign.js';
import type { SignedTx } from '../../ledger/transaction.js';
import { createClient, type Client } from '../../sdk/client.js';
import { isReceipt, notaryClient } from './client.js';
import { hashFile } from '../../cli/hash-file.js';
import { apiUrl, type Io, parsePositiveInt, progressBar, UsageError } from '../../cli/io.js';
import { loadUserKey } from '../../cli/keys.js';
import { whyNotCommitted } from '../../cli/wait-cause.js';

const SUBMIT_CHUNK = 10_000;
const RECEIPT_CHUNK = 1_000;
const TX_CHUNK = 1_000;

interface FileEntry {
  file: string;
  hash: string;
  out: string;
  receipt?: Receipt;
  /** The hash had a receipt before this run: nothing was anchored again. */
  alreadyAnchored?: boolean;
  error?: string;
}

export async function runNotarize(values: Record<string, unknown>, files: string[], io: Io): Promise<number> {
  const timeoutMs = parsePositiveInt('timeout-ms', values['timeout-ms'], 3_600_000);
  const meta: Record<string, string> = {};
  for (const [flag, field, max] of [['type', 'docType', 64], ['ref', 'reference', 128], ['org', 'organisation', 128]] as const) {
    const v = values[flag];
    if (v === undefined) continue;
    if (typeof v !== 'string' || v.length === 0 || v.length > max) throw new UsageError(`--${flag}: expected 1-${max} characters`);
    meta[field] = v;
  }
  const signed = Boolean(values.sign) || Object.keys(meta).length > 0;
  const outDir = values.out as string | undefined;
  // Your key signs the requests (RFC 9421), or with --sign the anchoring transactions themselves.
  const key = await loadUserKey(values);
  const client = createClient({ url: apiUrl(values), timeoutMs: 60_000, key });

  // 1. Hash locally.
  const entries: FileEntry[] = [];
  const outs = new Set<string>();
  for (let i = 0; i < files.length; i++) {
    const file = files[i]!;
    io.progress(progressBar(i, files.length, 'files hashed'));
    const hash = await hashFile(file);
    const out = outDir ? join(outDir, `${basename(file)}.receipt.json`) : `${file}.receipt.json`;
    if (outs.has(out)) throw new UsageError(`two files would write the same receipt ${out}; notarize them separately or drop --out`);
    outs.add(out);
    entries.push({ file, hash, out });
  }
  io.progress('');
  const genesis = await client.genesis();

  // 2. Anchor what is not anchored yet: a file notarized before keeps its first anchoring,
  // and its receipt says when (a signed anchor of it would be refused as NOTARY_ALREADY_ANCHORED).
  const unique = [...new Set(entries.map((e) => e.hash))];
  const receipts = new Map<string, Receipt>();
  // With --sign, a hash only aggregated before is anchored again, signed: the signature is what was asked for.
  for (let i = 0; i < unique.length; i += RECEIPT_CHUNK) {
    for (const r of await notaryClient(client).receipts(unique.slice(i, i + RECEIPT_CHUNK))) if (isReceipt(r) && !(signed && r.batch)) receipts.set(r.hash, r);
  }
  const anchoredBefore = new Set(receipts.keys());
  const fresh = unique.filter((h) => !anchoredBefore.has(h));
  if (signed) await anchorSigned(client, genesis, fresh, meta, key, io);
  else {
    for (let i = 0; i < fresh.length; i += SUBMIT_CHUNK) {
      io.progress(progressBar(i, fresh.length, 'hashes submitted'));
      await notaryClient(client).batch(fresh.slice(i, i + SUBMIT_CHUNK));
    }
  }

  // 3. Collect receipts as blocks commit.
  const lastError = new Map<string, string>();
  const deadline = Date.now() + timeoutMs;
  let waitMs = 100;
  while (receipts.size < unique.length && Date.now() < deadline) {
    const missing = unique.filter((h) => !receipts.has(h));
    for (let i = 0; i < missing.length; i += RECEIPT_CHUNK) {
      const got = await notaryClient(client).receipts(missing.slice(i, i + RECEIPT_CHUNK));
      for (const r of got) {
        if (isReceipt(r)) receipts.set(r.hash, r);
        else lastError.set(r.hash, `${r.code}: ${r.message}`);
      }
      io.progress(progressBar(receipts.size, unique.length, 'receipts'));
    }
    if (receipts.size < unique.length) {
      await new Promise((r) => setTimeout(r, waitMs));
      waitMs = Math.min(waitMs * 2, 1_000);
    }
  }
  io.progress('');
  // Give up with the cause the node can tell: no quorum, stalled, unreachable, or still pending.
  const cause = receipts.size < unique.length ? await whyNotCommitted(client) : undefined;

  // 4. Check each receipt offline and write it.
  if (outDir) await mkdir(outDir, { recursive: true });
  const cache = createReceiptCache();
  for (const e of entries) {
    const receipt = receipts.get(e.hash);
    if (!receipt) {
      e.error = `no receipt within ${timeoutMs} ms (${lastError.get(e.hash) ?? 'not anchored'}); ${cause}`;
      continue;
    }
    const check = verifyReceipt(receipt, genesis, { documentHash: e.hash, cache });
    if (!check.ok) {
      e.error = `the node returned a receipt that does not verify: ${check.reason}`;
      continue;
    }
    await writeFile(e.out, JSON.stringify(receipt, null, 2) + '\n');
    e.receipt = receipt;
    if (anchoredBefore.has(e.hash)) e.alreadyAnchored = true;
  }

  const failed = entries.filter((e) => e.error);
  if (values.json) {
    io.out(
      JSON.stringify({
        ok: failed.length === 0,
        files: entries.map((e) =>
          e.receipt
            ? {
                file: e.file,
                hash: e.hash,
                receipt: e.out,
                height: e.receipt.header.height,
                time: e.receipt.header.time,
                timeIso: new Date(e.receipt.header.time).toISOString(),
                mode: e.receipt.batch ? 'batch' : 'signed',
                alreadyAnchored: Boolean(e.alreadyAnchored),
              }
            : { file: e.file, hash: e.hash, error: e.error },
        ),
      }),
    );
  } else {
    for (const e of entries) {
      if (e.receipt && e.alreadyAnchored) {
        io.out(`already anchored  ${e.file}  block ${e.receipt.header.height}, ${new Date(e.receipt.header.time).toISOString()}  (notarized before: its first anchoring stands; receipt -> ${e.out})`);
      } else if (e.receipt) io.out(`anchored  ${e.file}  block ${e.receipt.header.height}, ${new Date(e.receipt.header.time).toISOString()}  -> ${e.out}`);
      else io.err(`FAILED    ${e.file}: ${e.error}`);
    }
    io.out(`${entries.length - failed.length} of ${entries.length} file${entries.length === 1 ? '' : 's'} notarized${signed ? ' (signed)' : ''}`);
  }
  return failed.length === 0 ? 0 : 1;
}

async function anchorSigned(client: Client, genesis: Genesis, hashes: string[], meta: Record<string, string>, key: KeyPair, io: Io): Promise<void> {
  let nonce = await client.nonce(key.publicKey);
  const txs: SignedTx[] = hashes.map((hash) =>
    signTx(
      {
        v: 1,
        chainId: genesis.chainId,
        module: 'notary',
        action: 'anchor',
        args: Object.keys(meta).length > 0 ? { hash, meta } : { hash },
        signer: key.publicKey,
        nonce: nonce++,
      },
      key.secretKey,
    ),
  );
  for (let i = 0; i < txs.length; i += TX_CHUNK) {
    io.progress(progressBar(i, txs.length, 'transactions submitted'));
    const outcomes = await client.submitTxs(txs.slice(i, i + TX_CHUNK));
    const rejected = outcomes.find((o) => o.status === 'rejected');
    if (rejected && rejected.status === 'rejected') throw new Error(`the node rejected a transaction: ${rejected.message} (${rejected.code})`);
  }
}
