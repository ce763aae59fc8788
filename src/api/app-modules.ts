/**
 * The browser modules the web pages import, found at start-up.
 *
 * The pages are ES modules compiled by tsc (dist/web, dist/src/services/*
 * /page.js) that import the chain's own pure modules (crypto, ledger,
 * runtime, the schemas, the services' pure files) and two libraries
 * (Preact; @noble/hashes for the synchronous SHA-256 the ledger code needs).
 * Starting from each page's entry module, this follows every static import
 * through the import map and collects the closure. Only that closure is
 * served, so a module no page imports — the node, the API, a service's host
 * part — is never reachable from a browser, and a page whose closure reaches
 * a Node built-in (`node:…`), a package outside the import map or a file
 * outside the allowed folders stops the server at start-up with the chain of
 * imports that led there.
 *
 * Pure except for the file reader it is given, so a test can plant a bad
 * graph (test/web-app.test.ts).
 */

/** How a URL under the app's prefix maps to a folder, and what may be served from it. */
export interface ModuleRoot {
  /** URL prefix, ending in "/" (e.g. "/app/src/ledger/"). */
  url: string;
  /** Folder the prefix maps to, ending in the path separator. */
  dir: string;
  /** File names under this root that must never be served, even when imported. */
  refuse?: RegExp;
}

export interface ModuleSpace {
  /** The import map the pages get: a bare specifier or URL to a URL; keys ending in "/" map prefixes. */
  imports: Readonly<Record<string, string>>;
  roots: readonly ModuleRoot[];
}

/** One module of a closure: its URL, its file, its text. */
export interface AppModule {
  url: string;
  file: string;
  text: string;
}

/** A closure that cannot be served: each problem names the chain of imports that reaches it. */
export class ModuleClosureError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`the web pages cannot be served:\n  ${problems.join('\n  ')}`);
    this.name = 'ModuleClosureError';
  }
}

/**
 * Static import specifiers of a compiled module: `import … from "x"`,
 * `export … from "x"`, `import "x"` at the start of a line or after a `;`
 * (tsc writes one per line; minified libraries chain them with `;`), and
 * `import("x")`. Lines inside block comments start with `*` and are skipped.
 */
export function moduleImports(text: string): string[] {
  const out: string[] = [];
  const statement = /(?:^|;)[ \t]*(?:import|export)\b(?:[^;"'`]*?\bfrom)?[ \t]*["']([^"'\n]+)["']/gm;
  const dynamic = /(?<![.\w$])import\(\s*["']([^"'\n]+)["']\s*\)/g;
  for (const m of text.matchAll(statement)) out.push(m[1]!);
  for (const m of text.matchAll(dynamic)) out.push(m[1]!);
  return [...new Set(out)];
}

/** The URL an import resolves to in the browser, or why it cannot be served. */
export function resolveImport(specifier: string, fromUrl: string, imports: Readonly<Record<string, string>>): { url: string } | { error: string } {
  if (specifier.startsWith('node:')) return { error: `imports the Node built-in ${specifier}` };
  let url: string;
  if (specifier.startsWith('/') || specifier.startsWith('./') || specifier.startsWith('../')) {
    url = new URL(specifier, `http://app${fromUrl}`).pathname;
  } else {
    const mapped = mapSpecifier(specifier, imports);
    if (mapped === undefined) return { error: `imports ${specifier}, which the import map does not name (a Node package or built-in?)` };
    url = mapped;
  }
  // A URL the import map swaps (the Node SHA-256 module for its browser twin) is loaded as its replacement.
  return { url: imports[url] ?? url };
}

function mapSpecifier(specifier: string, imports: Readonly<Record<string, string>>): string | undefined {
  if (imports[specifier] !== undefined) return imports[specifier];
  let best: string | undefined;
  for (const key of Object.keys(imports)) if (key.endsWith('/') && specifier.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
  return best === undefined ? undefined : imports[best]! + specifier.slice(best.length);
}

/** The file a URL names, if it lies under an allowed root and is not refused there. */
export function fileOf(url: string, roots: readonly ModuleRoot[]): { file: string } | { error: string } {
  const root = roots.find((r) => url.startsWith(r.url));
  if (!root) return { error: `reaches ${url}, outside the folders a page may load from` };
  const rest = decodeURIComponent(url.slice(root.url.length));
  if (rest.split('/').some((part) => part === '..' || part === '' || part.startsWith('.'))) return { error: `reaches ${url}, which is not a plain path` };
  if (root.refuse?.test(rest)) return { error: `reaches ${url}, which a browser must not load` };
  return { file: root.dir + rest };
}

/**
 * Every module the entry URLs import, directly or not. Throws
 * ModuleClosureError listing every problem found.
 */
export function moduleClosure(entries: readonly string[], space: ModuleSpace, read: (file: string) => string | undefined): Map<string, AppModule> {
  const found = new Map<string, AppModule>();
  const problems: string[] = [];
  const queue: { url: string; via: string[] }[] = entries.map((url) => ({ url, via: [] }));
  while (queue.length > 0) {
    const { url, via } = queue.shift()!;
    if (found.has(url)) continue;
    const chain = [...via, url].join(' → ');
    const located = fileOf(url, space.roots);
    if ('error' in located) {
      problems.push(`${chain} ${located.error}`);
      continue;
    }
    const text = read(located.file);
    if (text === undefined) {
      problems.push(`${chain}: no such module (${located.file}); run npm run build`);
      continue;
    }
    found.set(url, { url, file: located.file, text });
    for (const specifier of moduleImports(text)) {
      const target = resolveImport(specifier, url, space.imports);
      if ('error' in target) problems.push(`${chain} ${target.error}`);
      else if (!found.has(target.url)) queue.push({ url: target.url, via: [...via, url] });
    }
  }
  if (problems.length > 0) throw new ModuleClosureError(problems);
  return found;
}
