/** `polity validators`: see and change the validator set of a BFT network, or grow a one-node pilot into one. */
import { COMMON_OPTIONS, NODE_TARGET_OPTIONS, type Command } from '../../cli/command.js';
import { runValidators } from './cli-validators.js';

export const validatorsCommands: Record<string, Command> = {
  validators: {
    summary: 'list the validator set, show a proposed change, or propose and approve one (signed with the node key in --data)',
    usage:
      'polity validators [list] [--port N | --api URL]\n       polity validators show <id>\n       polity validators propose [--add "NAME:PUBKEY[:POWER]" ...] [--remove PUBKEY ...] [--data DIR]\n       polity validators approve <id> [--data DIR]',
    options: { ...COMMON_OPTIONS, ...NODE_TARGET_OPTIONS, add: { type: 'string', multiple: true }, remove: { type: 'string', multiple: true } },
    positionals: { min: 0, max: 2 },
    run: (values, positionals, io) => runValidators(values, positionals, io),
  },
};
