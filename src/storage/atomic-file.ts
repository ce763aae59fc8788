/**
 * Replacing a small file so that a crash at any instant leaves either the
 * old contents or the new, never a mix or nothing: write a temporary file
 * beside it, fsync it, rename it over the old one, fsync the directory (the
 * rename is durable only once the directory entry is). This is how the
 * consensus write-ahead log is compacted, and the commit record's first
 * padded sector written (spec/storage.md §8).
 *
 * Measured on this machine class: one replacement of a ~300-byte file costs
 * two fsyncs, about 0.4-1 ms; see spec/storage.md §8 for what it adds per
 * block.
 */
import { open, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** The temporary file beside `path` that `replaceFile` writes first. */
export const tempPathOf = (path: string): string => `${path}.tmp`;

export async function replaceFile(path: string, contents: string | Uint8Array): Promise<void> {
  const tmp = tempPathOf(path);
  const fh = await open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(contents);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
  await syncDir(dirname(path));
}

/** fsync a directory, making the renames and creations in it durable. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
