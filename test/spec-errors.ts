/**
 * The error tables of the specification, generated from the code's own
 * tables: spec/errors.md holds the core's codes, each service's page
 * (spec/services/<name>.md) its own. Each table sits between the markers
 * `<!-- errors:OWNER -->` and `<!-- /errors -->`; test/errors.test.ts fails
 * when one differs from the code, and `npm run spec` rewrites them.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TSchema } from '@sinclair/typebox';
import type { ErrorTable } from '../src/ledger/errors.js';
import { CORE_ERRORS } from '../src/ledger/core-errors.js';
import { SERVICES } from '../src/services/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Every generated table: the file it lives in and the code's table. */
export function specTables(): { owner: string; file: string; table: ErrorTable }[] {
  return [{ owner: 'core', file: 'spec/errors.md', table: CORE_ERRORS }, ...SERVICES.map((s) => ({ owner: s.name, file: s.spec, table: s.errors }))];
}

/** A details schema in one line: `{height: integer}`. */
function shape(schema: TSchema): string {
  const s = schema as { type?: string; properties?: Record<string, TSchema>; items?: TSchema; required?: string[] };
  if (s.type === 'object' && s.properties) {
    return `{${Object.entries(s.properties)
      .map(([k, v]) => `${k}${s.required?.includes(k) ? '' : '?'}: ${shape(v)}`)
      .join(', ')}}`;
  }
  if (s.type === 'array' && s.items) return `${shape(s.items)}[]`;
  return s.type ?? 'value';
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function errorTableMarkdown(table: ErrorTable): string {
  const rows = Object.entries(table).map(([code, d]) => {
    const details = d.details ? `${d.detailsOptional ? 'sometimes ' : ''}\`${shape(d.details)}\`` : '—';
    return `| \`${code}\` | ${d.status} | ${cell(d.arises)} | ${cell(d.meaning)} | ${details} |`;
  });
  return ['| code | HTTP | where it arises | meaning | details |', '|---|---|---|---|---|', ...rows].join('\n');
}

/** The text between an owner's markers, or undefined when the file has none. */
export function tableIn(text: string, owner: string): string | undefined {
  const begin = `<!-- errors:${owner} -->\n`;
  const start = text.indexOf(begin);
  const end = text.indexOf('\n<!-- /errors -->', start);
  return start < 0 || end < 0 ? undefined : text.slice(start + begin.length, end);
}

export function withTable(text: string, owner: string, table: string): string {
  const begin = `<!-- errors:${owner} -->\n`;
  const start = text.indexOf(begin);
  const end = text.indexOf('\n<!-- /errors -->', start);
  if (start < 0 || end < 0) throw new Error(`no <!-- errors:${owner} --> … <!-- /errors --> markers`);
  return text.slice(0, start + begin.length) + table + text.slice(end);
}

/** `node dist/test/spec-errors.js --write` (npm run spec): rewrite every table from the code. */
if (process.argv.includes('--write') && import.meta.url === pathToFileURL(resolve(process.argv[1] ?? '')).href) {
  for (const { owner, file, table } of specTables()) {
    const path = ROOT + file;
    const text = await readFile(path, 'utf8');
    await writeFile(path, withTable(text, owner, errorTableMarkdown(table)));
    process.stdout.write(`${file}: the ${owner} error table written\n`);
  }
}
