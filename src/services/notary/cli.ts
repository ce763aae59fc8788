/** The notary's commands: `polity notarize` and `polity verify`. */
import { COMMON_OPTIONS, NODE_TARGET_OPTIONS, type Command } from '../../cli/command.js';
import { runNotarize } from './cli-notarize.js';
import { runVerify, VERIFY_HELP } from './cli-verify.js';

export const notaryCommands: Record<string, Command> = {
  notarize: {
    summary: 'hash files locally, anchor the hashes, write <file>.receipt.json for each',
    usage: 'polity notarize <files...> [--port N | --api URL] [--out DIR] [--sign [--key FILE] [--type T] [--ref R] [--org O]] [--timeout-ms MS]',
    options: {
      ...COMMON_OPTIONS,
      ...NODE_TARGET_OPTIONS,
      out: { type: 'string' },
      sign: { type: 'boolean', default: false },
      key: { type: 'string' },
      type: { type: 'string' },
      ref: { type: 'string' },
      org: { type: 'string' },
      'timeout-ms': { type: 'string', default: '60000' },
    },
    positionals: { min: 1 },
    run: (values, positionals, io) => runNotarize(values, positionals, io),
  },
  verify: {
    summary: 'check a file against its receipt, offline, with the chain genesis',
    usage: 'polity verify <file> <receipt> [--genesis FILE | --data DIR | --api URL]',
    options: { ...COMMON_OPTIONS, ...NODE_TARGET_OPTIONS, genesis: { type: 'string' } },
    positionals: { min: 2, max: 2 },
    details: VERIFY_HELP,
    optionHelp: { genesis: "the chain's genesis file (else <data>/genesis.json, or fetched with --api)" },
    run: (values, positionals, io) => runVerify(values, positionals, io),
  },
};
