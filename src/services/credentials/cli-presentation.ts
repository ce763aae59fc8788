/**
 * `polity credential nonce | present | verify-presentation`: the holder's
 * and the verifier's side of a presentation (spec §4a), from the command
 * line.
 *
 *   polity credential nonce                                   the verifier asks its node for a nonce
 *   polity credential present FILE… --audience A --nonce N --holder-key KEY [--disclose a,b] [--out FILE]
 *   polity credential verify-presentation FILE --audience A --nonce N [--json]
 *
 * `present` works offline, with the holder's key file: an SD-JWT VC file
 * becomes an SD-JWT with only the `--disclose` claims and a key-binding JWT;
 * Data Integrity and vc+jwt files become one vp+jwt signed by the holder's
 * did:key. The presentation is written to --out (or printed); claims are
 * never printed beyond it.
 */
import { readFile, writeFile } from 'node:fs/promises';
import type { Client } from '../../sdk/client.js';
import { UsageError, type Io } from '../../cli/io.js';
import { loadKeyFileForCli } from '../../cli/keys.js';
import { didKeyFromPublicKey } from '../../crypto/multikey.js';
import { presentSdJwt } from './sd-jwt.js';
import { EXPECT_CHARS_MAX, PRESENTATION_CHARS_MAX, PRESENTATION_CREDENTIALS_MAX, signVpJwt } from './presentation.js';
import type { JsonObject } from './data-integrity.js';
import type { PresentationViewT } from './schemas.js';

const PRESENTATION_WORDS: Record<string, string> = {
  format: 'Format',
  holder: 'Presented by its holder',
  signature: "Holder's signature",
  audience: 'Made for this verifier',
  nonce: 'Fresh (nonce used once)',
  credentials: 'Credentials',
};

function expectArg(values: Record<string, unknown>, name: 'audience' | 'nonce'): string {
  const v = values[name];
  if (typeof v !== 'string' || v.length === 0 || v.length > EXPECT_CHARS_MAX) throw new UsageError(`--${name}: expected 1-${EXPECT_CHARS_MAX} characters (${name === 'audience' ? "the verifier's identifier, e.g. its URL" : 'the nonce the verifier handed out'})`);
  return v;
}

/** What the presentation commands borrow from cli.ts (passed in, so that the two files do not import each other). */
export interface PresentationCliDeps {
  readCredentialFile(path: string): Promise<JsonObject | string>;
  checkWords: Record<string, string>;
}

async function present(values: Record<string, unknown>, files: string[], io: Io, deps: PresentationCliDeps): Promise<number> {
  if (files.length === 0 || files.length > PRESENTATION_CREDENTIALS_MAX) throw new UsageError(`expected: present FILE [FILE…] (1-${PRESENTATION_CREDENTIALS_MAX} credential files)`);
  const audience = expectArg(values, 'audience');
  const nonce = expectArg(values, 'nonce');
  if (typeof values['holder-key'] !== 'string') throw new UsageError("--holder-key: expected the holder's key file (the key the credential was issued to)");
  const holder = await loadKeyFileForCli(values['holder-key'], values);
  const credentials = await Promise.all(files.map((f) => deps.readCredentialFile(f)));
  let text: string;
  const sd = credentials.filter((c): c is string => typeof c === 'string' && c.includes('~'));
  if (sd.length > 0) {
    if (credentials.length !== 1) throw new UsageError('an SD-JWT VC is presented alone, with its own key binding');
    if (typeof values.disclose !== 'string') throw new UsageError('--disclose: expected the claims to show, comma-separated (e.g. over18); every other claim stays hidden');
    const disclose = values.disclose.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    try {
      text = presentSdJwt(sd[0]!, { disclose, holderSecretKey: holder.secretKey, audience, nonce, iat: Math.floor(Date.now() / 1000) });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  } else {
    if (values.disclose !== undefined) throw new UsageError('--disclose: only an SD-JWT VC discloses claims selectively; a Data Integrity or vc+jwt credential is shown whole');
    text = signVpJwt({ credentials: credentials as (JsonObject | string)[], holder: didKeyFromPublicKey(holder.publicKey), holderSecretKey: holder.secretKey, audience, nonce });
  }
  if (typeof values.out === 'string') {
    await writeFile(values.out, text + '\n', { flag: 'wx' });
    io.out(`presentation (${sd.length > 0 ? 'SD-JWT with key binding' : 'vp+jwt'}) for ${audience} written to ${values.out}`);
  } else io.out(text);
  return 0;
}

async function verifyPresentationFile(client: Client, values: Record<string, unknown>, file: string | undefined, io: Io, checkWords: Record<string, string>): Promise<number> {
  if (!file) throw new UsageError('expected: verify-presentation FILE --audience A --nonce N');
  const audience = expectArg(values, 'audience');
  const nonce = expectArg(values, 'nonce');
  let text: string;
  try {
    text = (await readFile(file, 'utf8')).trim();
  } catch {
    throw new UsageError(`presentation: cannot read ${file}`);
  }
  if (text.length > PRESENTATION_CHARS_MAX) throw new UsageError(`presentation: at most ${PRESENTATION_CHARS_MAX} characters, got ${text.length}`);
  let presentation: unknown = text;
  if (text.startsWith('{')) {
    try {
      presentation = JSON.parse(text);
    } catch {
      throw new UsageError(`presentation: ${file} is neither a compact presentation nor JSON`);
    }
  }
  const v = await client.request<PresentationViewT>('POST', '/v1/credentials/presentations/verify', { presentation, audience, nonce });
  if (values.json) {
    io.out(JSON.stringify(v, null, 2));
    return v.verified ? 0 : 1;
  }
  for (const c of v.checks) io.out(`${c.ok === true ? '✓' : c.ok === false ? '✗' : '·'} ${PRESENTATION_WORDS[c.check] ?? c.check}: ${c.detail}`);
  for (const [i, c] of v.credentials.entries()) {
    const failed = c.checks.find((k) => k.ok === false);
    io.out(`  credential ${i + 1}: ${c.verified ? `valid ${c.issuance?.credentialType ?? ''} of ${c.issuance?.org ?? ''}` : `not valid (${c.code}) at ${checkWords[failed?.check ?? ''] ?? failed?.check}`}${c.claims ? `; shows ${Object.keys(c.claims).join(', ') || 'no claim'}` : ''}`);
  }
  if (v.verified) {
    io.out(`VALID PRESENTATION — ${v.credentials.length} credential${v.credentials.length === 1 ? '' : 's'}`);
    return 0;
  }
  io.out(`NOT VALID (${v.code}): ${v.message}`);
  return 1;
}

export async function runPresentation(client: Client, values: Record<string, unknown>, positionals: string[], io: Io, deps: PresentationCliDeps): Promise<number> {
  const [sub, ...rest] = positionals;
  if (sub === 'nonce') {
    const n = await client.request<{ nonce: string; expiresAt: string }>('POST', '/v1/credentials/nonces', {});
    io.out(values.json ? JSON.stringify(n) : `${n.nonce}  (single use, expires ${n.expiresAt})`);
    return 0;
  }
  if (sub === 'present') return present(values, rest, io, deps);
  return verifyPresentationFile(client, values, rest[0], io, deps.checkWords);
}
