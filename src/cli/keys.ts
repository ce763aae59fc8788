/**
 * `polity keys`: your own signing key (for signed notary anchors and, later,
 * every signed request). Stored at ~/.polity/key.json (mode 0600) unless
 * --key or $POLITY_KEY names another file.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateKeyPair, type KeyPair } from '../crypto/ed25519.js';
import { exists, loadKeyFile } from '../node/data-dir.js';
import { type Io, UsageError } from './io.js';

export function keyPath(values: Record<string, unknown>): string {
  if (typeof values.key === 'string') return values.key;
  return process.env.POLITY_KEY ?? join(homedir(), '.polity', 'key.json');
}

export async function loadUserKey(values: Record<string, unknown>): Promise<KeyPair> {
  const path = keyPath(values);
  if (!(await exists(path))) throw new Error(`no key at ${path}; create one with \`polity keys new${values.key ? ` --key ${path}` : ''}\``);
  return loadKeyFile(path);
}

export async function runKeys(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const sub = positionals[0] ?? 'show';
  const path = keyPath(values);
  if (sub === 'new') {
    if ((await exists(path)) && !values.force) throw new Error(`${path} already exists; pass --force to replace it (the old key is lost)`);
    await mkdir(dirname(path), { recursive: true });
    const key = generateKeyPair();
    await writeFile(path, JSON.stringify(key, null, 2) + '\n', { mode: 0o600 });
    if (values.json) io.out(JSON.stringify({ ok: true, publicKey: key.publicKey, path }));
    else io.out(`created ${path}\npublic key ${key.publicKey}`);
    return 0;
  }
  if (sub !== 'show') throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}; expected show or new`);
  const key = await loadUserKey(values);
  if (values.json) io.out(JSON.stringify({ ok: true, publicKey: key.publicKey, path }));
  else io.out(`public key ${key.publicKey}\nkey file   ${path}`);
  return 0;
}
