/**
 * `polity verify <file> <receipt>`: offline proof that this exact file was
 * anchored. Hashes the file, checks every link of the receipt and the commit
 * certificate's signatures against the chain's genesis. No server is needed
 * when the genesis is at hand (--genesis FILE, or <data>/genesis.json);
 * --api fetches it from a node instead, and says so.
 */
import { readFile } from 'node:fs/promises';
import type { Genesis } from '../../ledger/genesis.js';
import { verifyReceipt } from '../../ledger/receipt-verify.js';
import { exists, genesisPath, loadGenesisFile } from '../../node/data-dir.js';
import { createClient } from '../../sdk/client.js';
import { hashFile } from '../../cli/hash-file.js';
import { apiUrl, type Io } from '../../cli/io.js';
import { parseGenesis } from '../../ledger/genesis.js';

export async function runVerify(values: Record<string, unknown>, [file, receiptPath]: string[], io: Io): Promise<number> {
  const hash = await hashFile(file!);
  let receiptText: string;
  try {
    receiptText = await readFile(receiptPath!, 'utf8');
  } catch {
    throw new Error(`cannot read the receipt ${receiptPath}`);
  }
  let receipt: unknown;
  try {
    receipt = JSON.parse(receiptText);
  } catch {
    return report(io, values, file!, hash, { ok: false, reason: `${receiptPath} is not JSON` });
  }

  let genesis: Genesis;
  let genesisSource: string;
  if (typeof values.genesis === 'string') {
    genesis = await loadGenesisFile(values.genesis);
    genesisSource = values.genesis;
  } else if (typeof values.api === 'string' || typeof values.port === 'string') {
    const url = apiUrl(values);
    genesis = parseGenesis(await createClient({ url, timeoutMs: 10_000 }).genesis());
    genesisSource = `${url}/v1/genesis (fetched from the node)`;
  } else if (await exists(genesisPath(values.data as string))) {
    genesis = await loadGenesisFile(genesisPath(values.data as string));
    genesisSource = genesisPath(values.data as string);
  } else {
    throw new Error(`need the chain's genesis to verify: pass --genesis FILE (no ${genesisPath(values.data as string)} here)`);
  }
  const result = verifyReceipt(receipt, genesis, { documentHash: hash });
  return report(io, values, file!, hash, result, genesisSource);
}

function report(
  io: Io,
  values: Record<string, unknown>,
  file: string,
  hash: string,
  result: ReturnType<typeof verifyReceipt>,
  genesisSource?: string,
): number {
  if (values.json) {
    io.out(JSON.stringify(result.ok ? { ok: true, file, ...result.facts, genesis: genesisSource } : { ok: false, file, hash, reason: result.reason }));
    return result.ok ? 0 : 1;
  }
  if (result.ok) {
    const f = result.facts;
    io.out(`verified: ${file} was anchored in block ${f.height} at ${new Date(f.time).toISOString()}`);
    io.out(`  sha256   ${hash}`);
    io.out(`  block    ${f.blockHash}`);
    io.out(`  mode     ${f.mode === 'batch' ? 'aggregated batch' : `signed by ${f.signer}`}`);
    if (f.meta) io.out(`  metadata ${JSON.stringify(f.meta)}`);
    io.out(`  genesis  ${genesisSource}`);
    return 0;
  }
  io.err(`NOT verified: ${file}`);
  io.err(`  reason   ${result.reason}`);
  io.err(`  sha256   ${hash}`);
  return 1;
}
