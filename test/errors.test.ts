/**
 * The error codes: one table per owner (ledger/core-errors.ts and each
 * service's errors.ts), joined once by the API (api/error-table.ts).
 *
 * - The specification's tables are the code's tables (spec/errors.md and the
 *   service pages; `npm run spec` rewrites them).
 * - No dead codes: every declared code is produced somewhere in the source.
 * - No undeclared codes: every code a source file answers with is declared
 *   (PolityError only takes declared codes at compile time; this catches
 *   codes written as plain text into answers).
 * - An undeclared code reaching the API is a bug: 500, logged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createErrorIndex } from '../src/api/error-table.js';
import { SERVICES } from '../src/services/index.js';
import { errorTableMarkdown, specTables, tableIn } from './spec-errors.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const index = createErrorIndex(SERVICES.map((s) => ({ owner: s.name, table: s.errors })));

function* sources(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* sources(path);
    else if (/\.tsx?$/.test(name) && !/\.test\.tsx?$/.test(name)) yield path;
  }
}

/** Code-like literals: 'SOME_CODE' in single quotes or backticks. */
const CODE_RE = /['`]([A-Z][A-Z0-9]+(?:_[A-Z0-9]+)*)['`]/g;
/** Files that declare codes rather than produce them. */
const TABLE_FILE = /(?:ledger\/core-errors|services\/[a-z]+\/errors)\.ts$/;
/** Codes of other domains: the SDK's client-side codes, the network layer's own (spec/errors.md §4, p2p.md), receipt verdicts (spec/receipts.md §4.0). */
const NOT_API_CODES = /^(?:NODE_UNREACHABLE|BAD_RESPONSE|HTTP_\d+|P2P_[A-Z_]+|RECEIPT_INVALID|DOCUMENT_MISMATCH)$/;

export function producedCodes(files: Iterable<[string, string]>): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [file, text] of files) {
    if (TABLE_FILE.test(file)) continue;
    for (const m of text.matchAll(CODE_RE)) out.set(m[1]!, [...(out.get(m[1]!) ?? []), file]);
  }
  return out;
}

const files = (): [string, string][] => [...sources(join(ROOT, 'src')), ...sources(join(ROOT, 'web'))].map((f) => [relative(ROOT, f), readFileSync(f, 'utf8')]);

test("the specification's error tables are the code's tables", () => {
  const stale: string[] = [];
  for (const { owner, file, table } of specTables()) {
    const text = readFileSync(join(ROOT, file), 'utf8');
    const written = tableIn(text, owner);
    if (written === undefined) stale.push(`${file}: no <!-- errors:${owner} --> table`);
    else if (written !== errorTableMarkdown(table)) stale.push(`${file}: the ${owner} table differs from the code (npm run spec rewrites it)`);
  }
  assert.deepEqual(stale, []);
});

test('no dead codes: every declared code is produced somewhere', () => {
  const produced = producedCodes(files());
  const dead = index.codes.filter((c) => !produced.has(c.code)).map((c) => `${c.code} (${c.owner})`);
  assert.deepEqual(dead, []);
});

/** Codes a source file answers with that no table declares (names of other kinds — environment variables, constants — have no declared code's first word). */
export function undeclaredCodes(produced: Map<string, string[]>, declared: (code: string) => boolean, prefixes: ReadonlySet<string>): string[] {
  return [...produced]
    .filter(([code]) => !declared(code) && !NOT_API_CODES.test(code) && prefixes.has(code.split('_')[0]!))
    .map(([code, where]) => `${code} in ${where[0]}`);
}
const PREFIXES = new Set(index.codes.map((c) => c.code.split('_')[0]!));

test('no undeclared codes: every code the source answers with is declared', () => {
  assert.deepEqual(undeclaredCodes(producedCodes(files()), index.has, PREFIXES), []);
});

test('negative controls: a planted dead code and a planted undeclared code are caught; an undeclared code answers 500', () => {
  const planted = createErrorIndex([{ owner: 'planted', table: { PLANTED_NEVER_USED: { status: 400, arises: '', meaning: '' } } }]);
  const produced = producedCodes(files());
  assert.ok(!produced.has('PLANTED_NEVER_USED') && planted.has('PLANTED_NEVER_USED'), 'a declared code nothing produces is found dead');
  const withStray = producedCodes([['src/x.ts', "reply.send({ code: 'NOTARY_LOST', message: '' })"]]);
  assert.deepEqual(undeclaredCodes(withStray, index.has, PREFIXES), ['NOTARY_LOST in src/x.ts']);
  assert.equal(index.statusOf('NOTARY_LOST'), 500);
  assert.throws(() => createErrorIndex([{ owner: 'twin', table: { NOTARY_PENDING: { status: 409, arises: '', meaning: '' } } }, ...SERVICES.map((s) => ({ owner: s.name, table: s.errors }))]), /declared by both/);
});
