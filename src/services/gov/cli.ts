/** `polity gov`: consortium governance — proposals and votes of organisation admins. */
import { COMMON_OPTIONS, NODE_TARGET_OPTIONS, type Command } from '../../cli/command.js';
import { runGov, VOTING_PERIOD_HELP } from './cli-gov.js';

export const govCommands: Record<string, Command> = {
  gov: {
    summary: 'consortium governance: list and show proposals; organisation admins propose and vote (signed with --key)',
    usage:
      'polity gov [list [--status S]] | show ID\n       polity gov propose add-org --id ID --name NAME --admin KEY [--threshold N] [--node KEY ...] [--permission MODULE ...]\n       polity gov propose remove-org --id ID\n       polity gov propose validators [--add "NAME:KEY[:POWER]" ...] [--remove KEY ...] [--power "KEY:POWER" ...]\n       polity gov propose grant|revoke --org ID --module MODULE\n       polity gov propose param --name approvalNumerator|approvalDenominator|votingSeconds --value N (votingSeconds also as 2h, 7d)\n       polity gov propose rules --value VERSION (move the chain to a newer rules version, from the block after it executes)\n       polity gov vote ID --yes|--no\n       (propose takes ' + VOTING_PERIOD_HELP + '; propose and vote take --key FILE, an admin key)\n       deadlines are block times, shown as dates in UTC',
    options: {
      ...COMMON_OPTIONS,
      ...NODE_TARGET_OPTIONS,
      key: { type: 'string' },
      status: { type: 'string' },
      id: { type: 'string' },
      name: { type: 'string' },
      admin: { type: 'string', multiple: true },
      threshold: { type: 'string' },
      node: { type: 'string', multiple: true },
      permission: { type: 'string', multiple: true },
      add: { type: 'string', multiple: true },
      remove: { type: 'string', multiple: true },
      power: { type: 'string', multiple: true },
      org: { type: 'string' },
      module: { type: 'string' },
      value: { type: 'string' },
      'voting-period': { type: 'string' },
      yes: { type: 'boolean', default: false },
      no: { type: 'boolean', default: false },
    },
    positionals: { min: 0, max: 2 },
    run: (values, positionals, io) => runGov(values, positionals, io),
  },
};
