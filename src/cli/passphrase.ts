/**
 * Where a key file's passphrase comes from, and what the CLI does with a
 * plaintext key file (spec/deployment.md §9).
 *
 * Passphrase, first found: `--passphrase-file FILE` (its first line; for a
 * service manager's credential, e.g. systemd's LoadCredential), then
 * $POLITY_KEY_PASSPHRASE, then a prompt when stdin and stderr are a terminal
 * (not echoed). Nothing else: no passphrase on the command line, where `ps`
 * and the shell history would show it.
 *
 * Plaintext key files are refused by default: a key that signs for a
 * department is sealed at rest. `--allow-plaintext-key` uses one with a
 * one-line notice on stderr (a try-out node: `npm start` passes it);
 * otherwise $POLITY_PLAINTEXT_KEYS (or `plaintext-keys` in polity.json for
 * `polity start`) says allow (silently, for scripts and tests), warn or
 * refuse.
 */
import { readFile } from 'node:fs/promises';
import { PASSPHRASE_CHARS_MAX, PASSPHRASE_CHARS_MIN } from '../crypto/sealed-key.js';
import { PLAINTEXT_KEYS, type KeyUnlock, type PlaintextKeys } from '../node/key-file.js';
import { UsageError } from './io.js';

/** Options every command that reads a key file takes (added to them in main.ts). */
export const KEY_FILE_OPTIONS = {
  'passphrase-file': { type: 'string' },
  'allow-plaintext-key': { type: 'boolean', default: false },
} as const;

const PASSPHRASE_FILE_BYTES_MAX = 4096;

/** The plaintext policy: the flag (used, with a notice), then `plaintext-keys` (polity start's settings), the environment, `configured` (polity.json); refuse by default. */
export function plaintextPolicy(values: Record<string, unknown>, configured?: unknown): PlaintextKeys {
  if (values['allow-plaintext-key'] === true) return 'warn';
  const given = values['plaintext-keys'] ?? process.env.POLITY_PLAINTEXT_KEYS ?? configured;
  if (given === undefined || given === '') return 'refuse';
  if (!PLAINTEXT_KEYS.includes(given as PlaintextKeys)) throw new UsageError(`plaintext-keys (POLITY_PLAINTEXT_KEYS): expected ${PLAINTEXT_KEYS.join(', ')}, got ${JSON.stringify(String(given).slice(0, 20))}`);
  return given as PlaintextKeys;
}

async function passphraseFromFile(path: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new UsageError(`--passphrase-file: cannot read ${path}`);
  }
  if (text.length > PASSPHRASE_FILE_BYTES_MAX) throw new UsageError(`--passphrase-file: ${path} is larger than a passphrase (${PASSPHRASE_FILE_BYTES_MAX} bytes at most)`);
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line.length === 0) throw new UsageError(`--passphrase-file: the first line of ${path} is empty`);
  return line;
}

/** Read a line from the terminal without echoing it. */
export function promptHidden(question: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let answer = '';
    process.stderr.write(question);
    stdin.setRawMode(true);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(answer);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') answer = answer.slice(0, -1);
        else if (answer.length < PASSPHRASE_CHARS_MAX) answer += ch;
      }
    };
    stdin.on('data', onData);
  });
}

const canPrompt = (): boolean => Boolean(process.stdin.isTTY && process.stderr.isTTY);

/** The passphrase that opens a key file, or undefined when none can be had. */
export async function existingPassphrase(values: Record<string, unknown>, path: string): Promise<string | undefined> {
  if (typeof values['passphrase-file'] === 'string') return passphraseFromFile(values['passphrase-file']);
  const env = process.env.POLITY_KEY_PASSPHRASE;
  if (env !== undefined && env !== '') return env;
  if (canPrompt()) return promptHidden(`passphrase for ${path}: `);
  return undefined;
}

/** A passphrase to seal a key with: from the same places, asked twice on a terminal; at least 8 characters. */
export async function newPassphrase(values: Record<string, unknown>): Promise<string> {
  let passphrase: string | undefined;
  if (typeof values['passphrase-file'] === 'string') passphrase = await passphraseFromFile(values['passphrase-file']);
  else if (process.env.POLITY_KEY_PASSPHRASE) passphrase = process.env.POLITY_KEY_PASSPHRASE;
  else if (canPrompt()) {
    passphrase = await promptHidden('new passphrase: ');
    if ((await promptHidden('the same passphrase again: ')) !== passphrase) throw new Error('the two passphrases differ; nothing was written');
  } else throw new Error('no passphrase to encrypt with: set POLITY_KEY_PASSPHRASE, pass --passphrase-file FILE, or run in a terminal to be asked');
  if (passphrase.length < PASSPHRASE_CHARS_MIN) throw new Error(`a passphrase has at least ${PASSPHRASE_CHARS_MIN} characters; nothing was written`);
  return passphrase;
}

/** How the CLI opens a key file: the passphrase sources and the plaintext policy above; warnings to `warn`. */
export function keyUnlockOf(values: Record<string, unknown>, warn: (line: string) => void = (l) => process.stderr.write(l + '\n'), configured?: unknown): KeyUnlock {
  return {
    passphrase: (path) => existingPassphrase(values, path),
    plaintext: plaintextPolicy(values, configured),
    warn,
    override: 'pass --allow-plaintext-key',
  };
}
