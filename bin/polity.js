#!/usr/bin/env node
// Entry point of the `polity` command: the compiled program lives in dist/.
// The Node.js version is checked before the program is imported: on an older
// Node it would fail on syntax or a missing API with a stack trace, and npm
// only warns (EBADENGINE) when it installs the package there.
const NODE_MAJOR_MIN = 24;
const major = Number(process.versions.node.split('.')[0]);
if (!(major >= NODE_MAJOR_MIN)) {
  process.stderr.write(
    `polity needs Node.js ${NODE_MAJOR_MIN} or later; this is Node.js ${process.versions.node} (${process.execPath}).\n` +
      `Install Node.js ${NODE_MAJOR_MIN} (https://nodejs.org/en/download) and run polity with it.\n`,
  );
  process.exit(1);
}
let program;
try {
  program = await import('../dist/src/main.js');
} catch (e) {
  // A checkout not built yet (an installed package always carries dist/).
  if (e?.code !== 'ERR_MODULE_NOT_FOUND' || !String(e.message).includes('dist/src/main.js')) throw e;
  process.stderr.write('polity: the program is not built yet (dist/ is missing); run `npm run build` in the checkout first.\n');
  process.exit(1);
}
process.exitCode = await program.main(process.argv.slice(2));
