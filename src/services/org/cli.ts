/** `polity org`: member organisations, their officials and keys. */
import { COMMON_OPTIONS, NODE_TARGET_OPTIONS, type Command } from '../../cli/command.js';
import { runOrg } from './cli-org.js';

export const orgCommands: Record<string, Command> = {
  org: {
    summary: 'member organisations: list, show; an admin registers officials and roles, rotates admin and node keys (signed with --key), each new key with its holder’s consent (org consent)',
    usage:
      'polity org [list] | show ID\n       polity org consent --org ID --as official|admin|node [--key YOUR-KEY-FILE] [--out FILE]\n       polity org official add --org ID --official KEY --role R [--role R ...] (--consent FILE | --consent-key FILE) [--key FILE]\n       polity org official roles --org ID --official KEY --role R [--role R ...] [--key FILE]\n       polity org official remove --org ID --official KEY [--key FILE]\n       polity org admins --org ID --admin KEY [--admin KEY ...] --threshold N [--consent FILE ...] [--key FILE]\n       polity org rotate-node --org ID --from KEY --to KEY (--consent FILE | --consent-key FILE) [--key FILE]\n       polity org approve OPID --org ID [--key FILE]',
    options: {
      ...COMMON_OPTIONS,
      ...NODE_TARGET_OPTIONS,
      key: { type: 'string' },
      org: { type: 'string' },
      official: { type: 'string' },
      role: { type: 'string', multiple: true },
      admin: { type: 'string', multiple: true },
      threshold: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      as: { type: 'string' },
      out: { type: 'string' },
      'chain-id': { type: 'string' },
      consent: { type: 'string', multiple: true },
      'consent-key': { type: 'string', multiple: true },
    },
    positionals: { min: 0, max: 2 },
    run: (values, positionals, io) => runOrg(values, positionals, io),
  },
};
