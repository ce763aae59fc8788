/**
 * `polity keys`: your own signing key (for signed notary anchors and, later,
 * every signed request). Stored at ~/.polity/key.json (mode 0600) unless
 * --key or $POLITY_KEY names another file.
 *
 * `keys new --encrypt` seals the new key under a passphrase; `keys encrypt
 * FILE` and `keys decrypt FILE` seal and open an existing file in place
 * (src/node/key-file.ts, spec/deployment.md §9). `keys show` reads only the
 * public key, so it needs no passphrase.
 */
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { generateKeyPair, type KeyPair } from '../crypto/ed25519.js';
import { exists } from '../node/data-dir.js';
import { loadKeyFile, readKeyFile, saveKeyFile } from '../node/key-file.js';
import { type Io, UsageError } from './io.js';
import { existingPassphrase, keyUnlockOf, newPassphrase } from './passphrase.js';

export function keyPath(values: Record<string, unknown>): string {
  if (typeof values.key === 'string') return values.key;
  return process.env.POLITY_KEY ?? join(homedir(), '.polity', 'key.json');
}

/** Load a key file a command was given, sealed or not, as the CLI does (passphrase sources, plaintext policy). */
export function loadKeyFileForCli(path: string, values: Record<string, unknown>): Promise<KeyPair> {
  return loadKeyFile(path, keyUnlockOf(values));
}

export async function loadUserKey(values: Record<string, unknown>): Promise<KeyPair> {
  const path = keyPath(values);
  if (!(await exists(path))) throw new Error(`no key at ${path}; create one with \`polity keys new${values.key ? ` --key ${path}` : ''}\``);
  return loadKeyFileForCli(path, values);
}

export async function runKeys(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const sub = positionals[0] ?? 'show';
  const path = positionals[1] ?? keyPath(values);
  if (positionals[1] !== undefined && sub !== 'encrypt' && sub !== 'decrypt') throw new UsageError(`keys ${sub} takes no file argument; use --key FILE`);
  const report = (publicKey: string, encrypted: boolean, line: string): number => {
    if (values.json) io.out(JSON.stringify({ ok: true, publicKey, path, encrypted }));
    else io.out(line);
    return 0;
  };
  if (sub === 'new') {
    if ((await exists(path)) && !values.force) throw new Error(`${path} already exists; pass --force to replace it (the old key is lost)`);
    const passphrase = values.encrypt ? await newPassphrase(values) : undefined;
    await mkdir(dirname(path), { recursive: true });
    const key = generateKeyPair();
    await saveKeyFile(path, key, passphrase);
    return report(key.publicKey, Boolean(passphrase), `created ${path}${passphrase ? ' (encrypted)' : ` (not encrypted: commands refuse it unless --allow-plaintext-key; seal it with \`polity keys encrypt ${path}\`)`}\npublic key ${key.publicKey}`);
  }
  if (!(await exists(path))) throw new Error(`no key at ${path}; create one with \`polity keys new${values.key ? ` --key ${path}` : ''}\``);
  if (sub === 'show') {
    const content = await readKeyFile(path);
    const publicKey = content.sealed ? content.file.publicKey : content.key.publicKey;
    return report(publicKey, content.sealed, `public key ${publicKey}\nkey file   ${path} (${content.sealed ? 'encrypted' : 'not encrypted'})`);
  }
  if (sub === 'encrypt') {
    const content = await readKeyFile(path);
    if (content.sealed) throw new Error(`${path} is already encrypted`);
    await saveKeyFile(path, content.key, await newPassphrase(values));
    return report(content.key.publicKey, true, `encrypted ${path}\npublic key ${content.key.publicKey}`);
  }
  if (sub === 'decrypt') {
    const content = await readKeyFile(path);
    if (!content.sealed) throw new Error(`${path} is not encrypted`);
    const key = await loadKeyFile(path, { passphrase: (p) => existingPassphrase(values, p) });
    await saveKeyFile(path, key);
    return report(key.publicKey, false, `decrypted ${path} (its secret key is now in clear: keep the file private)\npublic key ${key.publicKey}`);
  }
  throw new UsageError(`unknown subcommand ${JSON.stringify(sub)}; expected show, new, encrypt or decrypt`);
}
