/**
 * Key files on disk: plaintext `{ publicKey, secretKey }` or sealed with a
 * passphrase (src/crypto/sealed-key.ts: scrypt + AES-256-GCM). Every command
 * that takes `--key`, and `polity start` for the node key, load through here.
 *
 * The plaintext policy is the caller's (spec/deployment.md §9): `allow`,
 * `warn` (used, with a warning that names the
 * file and the command that encrypts it) or `refuse`. The passphrase is asked
 * for only when the file is sealed, and never appears in a message.
 */
import { randomBytes, scrypt } from 'node:crypto';
import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { isHex, toHex } from '../crypto/bytes.js';
import { publicKeyOf, type KeyPair } from '../crypto/ed25519.js';
import { isSealed, openSealedKey, parseSealedKey, sealKey, SealedKeyError, type ScryptFn, type SealedKeyFile } from '../crypto/sealed-key.js';

/** What to do with a key file that is not encrypted. */
export type PlaintextKeys = 'allow' | 'warn' | 'refuse';
export const PLAINTEXT_KEYS: readonly PlaintextKeys[] = ['allow', 'warn', 'refuse'];
/** A key file is ~150 bytes (sealed ~400); anything much larger is not one. */
const KEY_FILE_BYTES_MAX = 4096;
/** Node's scrypt refuses more than 32 MiB unless told; logN 18 with r 8 takes 256 MiB. */
const SCRYPT_MAXMEM_BYTES = 300 * 1024 * 1024;

/** scrypt through node:crypto (the pages use noble's: same bytes, src/crypto/sealed-key.test.ts). */
export const nodeScrypt: ScryptFn = (passphrase, salt, p) =>
  new Promise((resolve, reject) =>
    scrypt(passphrase, salt, p.dkLen, { N: p.N, r: p.r, p: p.p, maxmem: SCRYPT_MAXMEM_BYTES }, (e, key) => (e ? reject(e) : resolve(new Uint8Array(key)))),
  );

export interface KeyUnlock {
  /** The passphrase, asked for only when the file is sealed; undefined when none can be had. */
  passphrase?: (path: string) => Promise<string | undefined>;
  /** What to do with a plaintext file; `allow` when not said (library callers, tests, benches). */
  plaintext?: PlaintextKeys;
  /** Where a `warn` goes. */
  warn?: (line: string) => void;
  /** How the operator overrides `refuse`, for the message (the CLI: "pass --allow-plaintext-key"). */
  override?: string;
}

export type KeyFileContent = { sealed: false; key: KeyPair } | { sealed: true; file: SealedKeyFile };

/** Read and check a key file without opening it. */
export async function readKeyFile(path: string): Promise<KeyFileContent> {
  let value: { publicKey?: unknown; secretKey?: unknown };
  try {
    const text = await readFile(path, 'utf8');
    if (text.length > KEY_FILE_BYTES_MAX) throw new Error('too large');
    value = JSON.parse(text);
  } catch {
    throw new Error(`cannot read a key file at ${path}`);
  }
  if (isSealed(value)) {
    try {
      return { sealed: true, file: parseSealedKey(value) };
    } catch (e) {
      throw new Error(`${path}: ${(e as Error).message}`);
    }
  }
  if (typeof value !== 'object' || value === null || !isHex(value.secretKey, 32)) throw new Error(`${path} is not a key file: secretKey must be 32 bytes of hex`);
  const publicKey = publicKeyOf(value.secretKey);
  if (value.publicKey !== undefined && value.publicKey !== publicKey) throw new Error(`${path}: publicKey does not match secretKey`);
  return { sealed: false, key: { publicKey, secretKey: value.secretKey } };
}

/** The public key a key file names, sealed or not (no passphrase needed). */
export async function publicKeyOfKeyFile(path: string): Promise<string> {
  const content = await readKeyFile(path);
  return content.sealed ? content.file.publicKey : content.key.publicKey;
}

/** Load a key file, opening it when sealed and applying the plaintext policy when not. */
export async function loadKeyFile(path: string, unlock: KeyUnlock = {}): Promise<KeyPair> {
  const content = await readKeyFile(path);
  if (!content.sealed) {
    const policy = unlock.plaintext ?? 'allow';
    if (policy === 'refuse') throw new Error(`${path} is not encrypted; encrypt it with \`polity keys encrypt ${path}\`${unlock.override ? ` or ${unlock.override}` : ''}`);
    if (policy === 'warn') unlock.warn?.(`warning: the key file ${path} is not encrypted (used because plaintext keys are allowed here); encrypt it with \`polity keys encrypt ${path}\``);
    return content.key;
  }
  const passphrase = await unlock.passphrase?.(path);
  if (passphrase === undefined) throw new Error(`${path} is encrypted and no passphrase was given: set POLITY_KEY_PASSPHRASE, pass --passphrase-file FILE, or run in a terminal to be asked`);
  return openKeyFile(path, content.file, passphrase);
}

async function openKeyFile(path: string, file: SealedKeyFile, passphrase: string): Promise<KeyPair> {
  let seed: Uint8Array;
  try {
    seed = await openSealedKey(file, passphrase, nodeScrypt);
  } catch (e) {
    if (e instanceof SealedKeyError) throw new Error(`${path}: ${e.message}`);
    throw e;
  }
  const secretKey = toHex(seed);
  seed.fill(0);
  // Pair of the AAD check: the opened seed is the key the file names.
  if (publicKeyOf(secretKey) !== file.publicKey) throw new Error(`${path}: the opened key is not the public key the file names`);
  return { publicKey: file.publicKey, secretKey };
}

/** Seal a key under a passphrase (at least 8 characters). */
export function sealKeyPair(key: KeyPair, passphrase: string, logN?: number): Promise<SealedKeyFile> {
  return sealKey(key, passphrase, { scrypt: nodeScrypt, random: (n) => new Uint8Array(randomBytes(n)), ...(logN === undefined ? {} : { logN }) });
}

/**
 * Write a key file, mode 0600, sealed when a passphrase is given. Written to
 * a temporary name and renamed, so a crash leaves the old file or the new
 * one, never half of either (the key would be lost).
 */
export async function saveKeyFile(path: string, key: KeyPair, passphrase?: string): Promise<void> {
  const content = passphrase === undefined ? key : await sealKeyPair(key, passphrase);
  const tmp = `${path}.tmp-${process.pid}`;
  await writeFile(tmp, JSON.stringify(content, null, 2) + '\n', { mode: 0o600 });
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
