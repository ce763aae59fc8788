/**
 * `polity backup` and `polity restore` (spec/operations.md, "Back up,
 * restore and upgrade"; the formats and why: src/node/backup.ts).
 *
 * - `polity backup --data DIR --out FOLDER`: a consistent copy at one block
 *   boundary. A running node (it holds the store's lock) is asked through
 *   its data directory and makes the copy itself while it keeps committing;
 *   a stopped node's directory is copied by this command.
 * - `polity backup check FOLDER`: every file against the manifest's SHA-256
 *   (exit 0 intact, 1 not).
 * - `polity restore --from FOLDER --data NEWDIR`: checked first; refuses a
 *   non-empty folder without --yes; never rolls a validator's signing record
 *   back (--signing-record-from OLD, or a signing hold until caught up).
 */
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { checkBackup, newRequestId, restoreBackup, saveBackupRequest, takeBackupResult, writeBackup, BACKUP_REQUEST_FILE, type BackupManifest } from '../node/backup.js';
import { genesisPath, isInitialised, loadGenesisFile } from '../node/data-dir.js';
import { genesisHash } from '../ledger/genesis.js';
import { createChainStore, StoreInUseError } from '../storage/chain-store.js';
import { COMMON_OPTIONS, DEFAULT_DATA, type Command } from './command.js';
import { UsageError, type Io } from './io.js';

/** How long `polity backup` waits for a running node to write the copy, s (a copy of a large store takes minutes). */
export const BACKUP_TIMEOUT_S_DEFAULT = 600;
/** How often it looks for the node's answer, ms (the node looks for requests once a second). */
const POLL_MS = 250;

const KEYS_WARNING =
  'WARNING: this backup holds the SECRET KEYS (node-key.json, admin-key.json) as they are on the server (sealed only if they were sealed). Keep it where the keys themselves may be kept.';

function printManifest(io: Io, out: string, m: Pick<BackupManifest, 'height' | 'blockHash'> & { files: number }, json: boolean, includesKeys: boolean): void {
  if (json) {
    io.out(JSON.stringify({ ok: true, out, height: m.height, blockHash: m.blockHash, files: m.files, includesKeys }));
    return;
  }
  io.out(`backup written to ${out}: height ${m.height} (block ${m.blockHash.slice(0, 16)}…), ${m.files} files, each with its SHA-256 in backup.json`);
  io.out('left out on purpose: the commit record and consensus log (a restore keeps the newer ones), and stores rebuilt from the chain');
  if (includesKeys) io.err(KEYS_WARNING);
  else io.out('the key files are NOT in it (--include-keys adds them): keep node-key.json and admin-key.json safe apart');
}

async function backupRunning(dataDir: string, out: string, includeKeys: boolean, timeoutS: number, io: Io): Promise<{ height: number; blockHash: string; files: number }> {
  const id = newRequestId();
  await saveBackupRequest(dataDir, { id, out, includeKeys });
  io.progress('asking the running node for a backup…');
  const deadline = Date.now() + timeoutS * 1000;
  while (Date.now() < deadline) {
    const result = await takeBackupResult(dataDir, id);
    if (result?.ok) return result.manifest;
    if (result && !result.ok) throw new Error(`the running node could not write the backup: ${result.message}`);
    await sleep(POLL_MS);
  }
  await unlink(join(dataDir, BACKUP_REQUEST_FILE)).catch(() => undefined);
  throw new Error(`the running node did not write the backup within ${timeoutS} s (it looks for requests once a second; a node of an older release does not answer them: stop it and run this command again, or raise --timeout)`);
}

async function runBackup(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  if (positionals[0] === 'check') {
    if (!positionals[1]) throw new UsageError('backup check: give the backup folder');
    const result = await checkBackup(positionals[1]);
    if (values.json) io.out(JSON.stringify({ ok: result.ok, height: result.manifest.height, files: result.manifest.files.length, problems: result.problems }));
    else if (result.ok) io.out(`the backup ${resolve(positionals[1])} is intact: height ${result.manifest.height} of chain ${result.manifest.chainId}, ${result.manifest.files.length} files match their SHA-256${result.manifest.includesKeys ? '; it holds secret keys' : ''}`);
    else {
      io.out(`DAMAGED: ${result.problems.length} problem(s)`);
      for (const p of result.problems.slice(0, 50)) io.out(`  ${p}`);
    }
    return result.ok ? 0 : 1;
  }
  if (positionals.length > 0) throw new UsageError(`unknown backup subcommand ${JSON.stringify(positionals[0]!.slice(0, 20))}`);
  const dataDir = values.data as string;
  if (typeof values.out !== 'string') throw new UsageError('--out: give a new folder for the backup');
  const out = resolve(values.out);
  const timeoutS = Number(values.timeout);
  if (!Number.isSafeInteger(timeoutS) || timeoutS < 1) throw new UsageError(`--timeout: expected whole seconds, got ${JSON.stringify(values.timeout)}`);
  if (!(await isInitialised(dataDir))) throw new Error(`${dataDir} is not a Polity data directory`);
  const includeKeys = values['include-keys'] === true;
  const genesis = await loadGenesisFile(genesisPath(dataDir));
  const hash = genesisHash(genesis);
  const store = createChainStore(join(dataDir, 'chain'));
  try {
    await store.open(hash);
  } catch (e) {
    if (!(e instanceof StoreInUseError)) throw e;
    printManifest(io, out, await backupRunning(dataDir, out, includeKeys, timeoutS, io), values.json === true, includeKeys);
    return 0;
  }
  try {
    const m = await writeBackup({ dataDir, out, store, chainId: genesis.chainId, genesisHash: hash, includeKeys, nowMs: Date.now() });
    printManifest(io, out, { height: m.height, blockHash: m.blockHash, files: m.files.length }, values.json === true, includeKeys);
  } finally {
    await store.close();
  }
  return 0;
}

async function runRestore(values: Record<string, unknown>, _positionals: string[], io: Io): Promise<number> {
  if (typeof values.from !== 'string') throw new UsageError('--from: give the backup folder');
  if (typeof values.data !== 'string') throw new UsageError('--data: give the folder to restore into');
  const result = await restoreBackup({
    from: values.from,
    data: values.data,
    yes: values.yes === true,
    ...(typeof values['signing-record-from'] === 'string' ? { signingRecordFrom: values['signing-record-from'] } : {}),
    rewind: values.rewind === true,
    nowMs: Date.now(),
  });
  const data = resolve(values.data);
  const signing = 'from' in result.signing ? `the signing records (commit record, consensus log) taken from ${resolve(result.signing.from)}` : result.bft ? 'a signing hold: the node signs nothing until it has caught up with its peers, then only above the height they were deciding' : 'no signing record: the chain goes back to the backup height (--rewind)';
  if (values.json) {
    io.out(JSON.stringify({ ok: true, data, height: result.manifest.height, bft: result.bft, signing: 'from' in result.signing ? 'records' : result.bft ? 'hold' : 'rewind', includesKeys: result.manifest.includesKeys }));
    return 0;
  }
  io.out(`restored ${result.manifest.files.length} files into ${data}: chain ${result.manifest.chainId} at height ${result.manifest.height}`);
  io.out(`double-signing guard: ${signing}`);
  if (!result.manifest.includesKeys) io.out(`the backup holds no keys: put this node's node-key.json (and admin-key.json, if it lives here) into ${data} before \`polity start --data ${data}\``);
  return 0;
}

export const BACKUP_COMMANDS: Record<string, Command> = {
  backup: {
    summary: "a consistent copy of a node's data directory (running or stopped), with a manifest of SHA-256; `backup check` verifies one",
    usage: [
      'polity backup --out FOLDER [--data DIR] [--include-keys] [--timeout S] [--json]',
      '       polity backup check FOLDER [--json]',
      '',
      `  --data DIR       the node's data directory (default: ${DEFAULT_DATA}); a running node is asked to make the copy`,
      '  --out FOLDER     a new, empty folder for the backup (required)',
      '  --include-keys   flag: also copy node-key.json and admin-key.json (said loudly when given)',
      `  --timeout S      how long to wait for a running node, seconds (default: ${BACKUP_TIMEOUT_S_DEFAULT})`,
      '',
      'examples:',
      '  polity backup --data ./data --out /backups/polity-2026-12-05',
      '  polity backup check /backups/polity-2026-12-05',
    ].join('\n'),
    options: { ...COMMON_OPTIONS, data: { type: 'string', default: DEFAULT_DATA }, out: { type: 'string' }, 'include-keys': { type: 'boolean', default: false }, timeout: { type: 'string', default: String(BACKUP_TIMEOUT_S_DEFAULT) } },
    positionals: { min: 0, max: 2 },
    run: (values, positionals, io) => runBackup(values, positionals, io),
  },
  restore: {
    summary: 'restore a backup into a data directory, checked first; a validator never gets an older signing record (no double-signing)',
    usage: [
      'polity restore --from FOLDER --data DIR [--signing-record-from OLD_DIR] [--yes] [--rewind] [--json]',
      '',
      '  --from FOLDER                the backup (required; checked against its manifest first)',
      '  --data DIR                   where to restore (required; refused when not empty, unless --yes)',
      "  --signing-record-from DIR    the node's old data directory, if it survived: its commit record and consensus log (optional)",
      '                               are kept (they are newer than the backup). Without it, a validator starts with a',
      '                               signing hold: it signs nothing until it has caught up with its peers',
      '  --yes                        flag: overwrite a non-empty DIR (its own signing records are kept, as above)',
      '  --rewind                     flag: a one-validator chain without its newer commit record: accept that the chain goes',
      '                               back to the backup height and later receipts stop verifying (default: refused)',
      '',
      'examples:',
      '  polity restore --from /backups/polity-2026-12-05 --data ./data-new',
      '  polity restore --from /backups/polity-2026-12-05 --data ./data --yes      (same machine: keeps ./data\'s signing records)',
    ].join('\n'),
    options: { ...COMMON_OPTIONS, from: { type: 'string' }, data: { type: 'string' }, 'signing-record-from': { type: 'string' }, yes: { type: 'boolean', default: false }, rewind: { type: 'boolean', default: false } },
    positionals: { min: 0, max: 0 },
    run: (values, positionals, io) => runRestore(values, positionals, io),
  },
};
