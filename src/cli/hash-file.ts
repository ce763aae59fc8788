/** SHA-256 of a file, streamed so documents of any size hash in constant memory. */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

export async function hashFile(path: string): Promise<string> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new Error(`cannot read ${path}: no such file`);
  }
  if (!info.isFile()) throw new Error(`${path} is not a regular file`);
  const hash = createHash('sha256');
  await new Promise<void>((resolve, reject) => {
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', resolve)
      .on('error', (e) => reject(new Error(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'read error'}`)));
  });
  return hash.digest('hex');
}
