#!/usr/bin/env node
// Entry point of the `polity` command: the compiled program lives in dist/.
import { main } from '../dist/src/main.js';
process.exitCode = await main(process.argv.slice(2));
