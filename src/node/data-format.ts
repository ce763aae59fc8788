/**
 * The data directory's format version, `<data>/format.json`, and the
 * migrations that bring an older directory up to this release's format
 * (spec/operations.md, "Upgrade").
 *
 * Why a version of its own, apart from the package version: a release that
 * changes nothing on disk must open the previous release's directory as it
 * is, and one that does change it must know, before it opens a store, what
 * it is looking at. A directory written by a NEWER release is refused with a
 * message, never opened: an older node would misread or, worse, rewrite what
 * it does not understand (a downgrade goes through a backup of the older
 * release, spec/operations.md).
 *
 *   {"v":1,"kind":"polity/data-format","format":2,"migratedFrom":[1]}
 *
 * Format history:
 *   1  directories made before this file existed (up to and including
 *      release 0.1's data directories): genesis.json, node-key.json,
 *      chain/, commit-record.json, consensus-wal, the services' stores.
 *   2  the same files, with format.json: written by `polity init`, and by the
 *      migration from 1 at the first start of this release.
 *
 * Migrations run in order at start, before any store is opened, each a
 * function of the directory that leaves it in the next format; the version
 * file is replaced (atomically) after each, so a crash between two
 * migrations resumes at the one that did not finish. Each migration must be
 * safe to run again on its own output (it may run twice after a crash).
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { replaceFile } from '../storage/atomic-file.js';

export const DATA_FORMAT_FILE = 'format.json';
/** The format this release writes and reads. */
export const DATA_FORMAT_CURRENT = 2;
/** The format of a directory that holds no format file (made before it existed). */
const DATA_FORMAT_UNVERSIONED = 1;
/** The version file is a few dozen bytes; a larger one is not it. */
const FORMAT_FILE_BYTES_MAX = 4096;
const KIND = 'polity/data-format';

interface FormatFile {
  v: 1;
  kind: typeof KIND;
  format: number;
  /** The formats this directory was migrated from, oldest first (for the operator; not read). */
  migratedFrom?: number[];
}

/** A migration from format `from` to `from + 1`. */
export interface Migration {
  from: number;
  /** One line for the log: what it changes. */
  what: string;
  run(dataDir: string): Promise<void>;
}

/** The registry: one entry per format step, in order. */
export const MIGRATIONS: readonly Migration[] = [
  {
    from: 1,
    what: 'record the data format in format.json (the files of format 1 are read as they are)',
    // Nothing else changes on disk: the version file itself, written by migrate() after this step, is the change.
    run: async () => {},
  },
];

export const dataFormatPath = (dir: string): string => join(dir, DATA_FORMAT_FILE);

const formatFile = (format: number, migratedFrom: number[]): FormatFile => ({ v: 1, kind: KIND, format, ...(migratedFrom.length > 0 ? { migratedFrom } : {}) });

/** Write the current format's file (a new directory: `polity init`). */
export async function saveDataFormat(dir: string): Promise<void> {
  await replaceFile(dataFormatPath(dir), JSON.stringify(formatFile(DATA_FORMAT_CURRENT, [])) + '\n');
}

/** The directory's format and the migrations it already went through; format 1 when there is no file. */
export async function loadDataFormat(dir: string): Promise<{ format: number; migratedFrom: number[] }> {
  const path = dataFormatPath(dir);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { format: DATA_FORMAT_UNVERSIONED, migratedFrom: [] };
    throw new Error(`cannot read the data format file ${path}: ${(e as Error).message}`, { cause: e });
  }
  let value: Partial<FormatFile> | undefined;
  try {
    value = text.length <= FORMAT_FILE_BYTES_MAX ? (JSON.parse(text) as Partial<FormatFile>) : undefined;
  } catch {
    value = undefined;
  }
  if (!value || value.v !== 1 || value.kind !== KIND || !Number.isSafeInteger(value.format) || (value.format as number) < 1) {
    throw new Error(`${path} is not a Polity data format file (expected {"v":1,"kind":"${KIND}","format":N})`);
  }
  const migratedFrom = Array.isArray(value.migratedFrom) ? value.migratedFrom.filter((n): n is number => Number.isSafeInteger(n)) : [];
  return { format: value.format as number, migratedFrom };
}

/**
 * Bring `dir` to the current format, or refuse it: called at start before
 * anything is opened. Returns the migrations that ran (for the log).
 */
export async function migrateDataDir(dir: string, migrations: readonly Migration[] = MIGRATIONS, current = DATA_FORMAT_CURRENT): Promise<Migration[]> {
  let { format, migratedFrom } = await loadDataFormat(dir);
  if (format > current) {
    throw new Error(
      `the data directory ${dir} is in data format ${format}, written by a newer release of Polity; this release reads format ${current} and older. Run the newer release, or restore a backup made by this release (spec/operations.md, "Upgrade")`,
    );
  }
  const ran: Migration[] = [];
  while (format < current) {
    const step = migrations.find((m) => m.from === format);
    if (!step) throw new Error(`invariant broken: no migration from data format ${format} to ${format + 1}`);
    await step.run(dir);
    migratedFrom = [...migratedFrom, format];
    format += 1;
    await replaceFile(dataFormatPath(dir), JSON.stringify(formatFile(format, migratedFrom)) + '\n');
    ran.push(step);
  }
  return ran;
}
