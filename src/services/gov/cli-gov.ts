/**
 * `polity gov`: consortium governance. Admins of member organisations
 * propose changes and vote for their organisations (signing with their admin
 * key file, `--key`); a change executes once the configured share of
 * organisations approved it, and expires otherwise.
 *
 *   polity gov list [--status open|executed|rejected|failed|expired]
 *   polity gov show ID
 *   polity gov propose add-org --id ID --name NAME --admin KEY [--admin KEY…] [--threshold N] [--node KEY…] [--permission MODULE…]
 *   polity gov propose remove-org --id ID
 *   polity gov propose validators [--add "NAME:KEY[:POWER]"…] [--remove KEY…] [--power "KEY:POWER"…]
 *   polity gov propose grant|revoke --org ID --module MODULE
 *   polity gov propose param --name approvalNumerator|approvalDenominator|votingSeconds --value N
 *   polity gov propose rules --value VERSION   (move the chain to a newer rules version)
 *   polity gov vote ID --yes | --no
 *   (every propose takes --voting-period P, e.g. 2h or 7d)
 *
 * Deadlines are block times (BFT time), printed as dates in UTC with how far
 * away they are: "open until 2026-12-05 14:03 UTC (in 2 h 10 min)". A
 * deadline that passed while no block was cut reads as expired (the node
 * answers by its clock too; spec/services/gov.md).
 */
import { isHex } from '../../crypto/bytes.js';
import { createClient } from '../../sdk/client.js';
import { ORG_ID_RE } from '../../runtime/membership.js';
import { apiUrl, optionList, parsePositiveInt, UsageError, type Io } from '../../cli/io.js';
import { loadUserKey } from '../../cli/keys.js';
import { parseValidatorSpec } from '../../cli/network-init.js';
import { eventOf, submitSigned } from '../../cli/submit.js';
import type { Static } from '@sinclair/typebox';
import type { ProposalDetail, ProposalList, ProposalView } from './schemas.js';
import { formatDeadline, formatDuration, isoTime, parsePeriodSeconds, utcMinute } from '../iso-time.js';
import { GOV_PARAMETERS } from './module.js';
import { VOTING_SECONDS_DEFAULT, VOTING_SECONDS_MAX, VOTING_SECONDS_MIN } from './limits.js';

const STATUSES = ['open', 'executed', 'rejected', 'failed', 'expired'];
/** The --voting-period line of the help: bounds and default. */
export const VOTING_PERIOD_HELP = `--voting-period P: ${formatDuration(VOTING_SECONDS_MIN * 1000)} to ${formatDuration(VOTING_SECONDS_MAX * 1000)} (e.g. 2h, 7d, 1d12h); default and longest: the consortium's votingSeconds, ${formatDuration(VOTING_SECONDS_DEFAULT * 1000)} unless governance set it`;


const hexKey = (name: string, v: unknown): string => {
  if (!isHex(v, 32)) throw new UsageError(`--${name}: expected a 64-hex-digit public key, got ${JSON.stringify(String(v ?? '').slice(0, 70))}`);
  return v as string;
};
const org = (name: string, v: unknown): string => {
  if (typeof v !== 'string' || !ORG_ID_RE.test(v)) throw new UsageError(`--${name}: expected an organisation id (lowercase letters, digits, dashes), got ${JSON.stringify(v ?? null)}`);
  return v;
};

/** A change in words; a new kind of change fails to compile here until it is described. */
function describeChange(c: ProposalView['change']): string {
  switch (c.type) {
    case 'addOrganisation':
      return `add organisation ${c.organisation.id}`;
    case 'removeOrganisation':
      return `remove organisation ${c.id}`;
    case 'setValidators':
      return `validator set of ${c.validators.length}`;
    case 'grantPermission':
    case 'revokePermission':
      return `${c.type === 'grantPermission' ? 'grant' : 'revoke'} ${c.module} for ${c.org}`;
    case 'setParameter':
      return `set ${c.name} = ${c.value}`;
    case 'serviceDecision':
      return `${c.module} decision ${String(c.decision['type'] ?? '')}`.trim();
    case 'upgradeRules':
      return `move to rules version ${c.version}`;
    default:
      return (c satisfies never, 'a change this version does not know');
  }
}

/** A voting period as the CLI takes it (--voting-period, and --value of votingSeconds): "2h", "7d", "90s", "1h30m", or seconds. */
export function parseVotingPeriod(name: string, v: unknown): number {
  const seconds = typeof v === 'string' ? parsePeriodSeconds(v) : undefined;
  if (seconds === undefined) throw new UsageError(`--${name}: expected a period such as 90s, 30min, 2h, 7d or 1d12h, got ${JSON.stringify(String(v ?? '').slice(0, 40))}`);
  if (seconds < VOTING_SECONDS_MIN || seconds > VOTING_SECONDS_MAX) throw new UsageError(`--${name}: from ${formatDuration(VOTING_SECONDS_MIN * 1000)} to ${formatDuration(VOTING_SECONDS_MAX * 1000)}, got ${formatDuration(seconds * 1000)}`);
  return seconds;
}

/** When the proposal closes or closed, in words: a date in UTC for a deadline; a block for one stored as a height. */
function when(p: ProposalView, nowMs: number): string {
  if (p.status === 'open') return p.expiresAtMs !== undefined ? `open until ${formatDeadline(p.expiresAtMs, nowMs)}` : `open until block ${p.expiresAt}`;
  if (p.status === 'expired') return p.expiresAtMs !== undefined ? `expired at ${formatDeadline(p.expiresAtMs, nowMs)}` : `expired after block ${p.expiresAt}`;
  return `${p.status} at block ${p.closedAt}`;
}

function line(p: ProposalView, nowMs: number): string {
  const yes = Object.values(p.decided).filter((d) => d === 'yes').length;
  const no = Object.values(p.decided).filter((d) => d === 'no').length;
  return `${p.id}  ${p.status.padEnd(8)}  ${describeChange(p.change).padEnd(36)} ${yes} yes, ${no} no  ${when(p, nowMs)}${p.failure ? `  (${p.failure.code})` : ''}`;
}

export async function runGov(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const [verb = 'list', ...rest] = positionals;
  const client = createClient({ url: apiUrl(values), timeoutMs: 30_000 });
  const json = values.json === true;
  if (verb === 'list') {
    if (rest.length > 0) throw new UsageError('list takes no arguments');
    if (values.status !== undefined && !STATUSES.includes(String(values.status))) throw new UsageError(`--status: expected one of ${STATUSES.join(', ')}`);
    const r = await client.request<Static<typeof ProposalList>>('GET', `/v1/gov/proposals${values.status ? `?status=${String(values.status)}` : ''}`);
    if (json) io.out(JSON.stringify(r));
    else {
      io.out(`${r.proposals.length} proposal(s)${values.status ? ` ${String(values.status)}` : ''} at height ${r.height} (${r.total} in all):`);
      const nowMs = Date.now();
      for (const p of r.proposals) io.out(`  ${line(p, nowMs)}`);
    }
    return 0;
  }
  if (verb === 'show') {
    if (rest.length !== 1 || !isHex(rest[0], 32)) throw new UsageError('show takes a proposal id (64 hex digits)');
    const r = await client.request<Static<typeof ProposalDetail>>('GET', `/v1/gov/proposals/${rest[0]}`);
    if (json) io.out(JSON.stringify(r));
    else {
      const p = r.proposal;
      io.out(line(p, Date.now()));
      io.out(`  proposed by ${p.proposer.org} (${p.proposer.key}) at block ${p.proposedAt}${p.proposedAtMs !== undefined ? `, ${utcMinute(p.proposedAtMs)}` : ''}`);
      if (p.expiresAtIso) io.out(`  voting closes after ${p.expiresAtIso} (block time)`);
      io.out(`  change: ${JSON.stringify(p.change)}`);
      for (const [o, v] of Object.entries(p.votes)) io.out(`  ${o.padEnd(24)} ${p.decided[o] ?? 'undecided'}  (${v.yes.length} admin yes, ${v.no.length} admin no)`);
    }
    return 0;
  }
  if (verb === 'vote') {
    if (rest.length !== 1 || !isHex(rest[0], 32)) throw new UsageError('vote takes a proposal id (64 hex digits) and --yes or --no');
    if (values.yes === values.no) throw new UsageError('give exactly one of --yes or --no');
    const key = await loadUserKey(values);
    const s = await submitSigned(client, key, 'gov', 'vote', { id: rest[0], approve: values.yes === true });
    return report(io, json, s, `voted ${values.yes ? 'yes' : 'no'} on ${rest[0]}`);
  }
  if (verb !== 'propose') throw new UsageError(`unknown action ${JSON.stringify(verb)}; expected list, show, propose or vote`);

  const [kind] = rest;
  let change: Record<string, unknown>;
  switch (kind) {
    case 'add-org': {
      const admins = optionList(values.admin).map((k) => hexKey('admin', k));
      if (admins.length === 0) throw new UsageError('add-org needs at least one --admin KEY');
      if (typeof values.name !== 'string' || values.name.length === 0 || values.name.length > 128) throw new UsageError('--name: the organisation’s name, 1-128 characters');
      change = {
        type: 'addOrganisation',
        organisation: {
          id: org('id', values.id),
          name: values.name,
          admins,
          threshold: values.threshold === undefined ? 1 : parsePositiveInt('threshold', values.threshold, admins.length),
          nodes: optionList(values.node).map((k) => hexKey('node', k)),
          permissions: optionList(values.permission),
        },
      };
      break;
    }
    case 'remove-org':
      change = { type: 'removeOrganisation', id: org('id', values.id) };
      break;
    case 'validators': {
      const adds = optionList(values.add).map(parseValidatorSpec);
      const removes = optionList(values.remove).map((k) => hexKey('remove', k));
      const powers = optionList(values.power).map((spec) => {
        const [k, p] = spec.split(':');
        return { pubKey: hexKey('power', k), power: parsePositiveInt('power', p) };
      });
      if (adds.length + removes.length + powers.length === 0) throw new UsageError('give --add "NAME:KEY[:POWER]", --remove KEY or --power "KEY:POWER"');
      const current = (await client.validatorSets()).current.validators;
      for (const r of [...removes, ...powers.map((p) => p.pubKey)]) if (!current.some((v) => v.pubKey === r)) throw new UsageError(`${r.slice(0, 16)}… is not a validator now`);
      const validators = [
        ...current.filter((v) => !removes.includes(v.pubKey)).map(({ name, pubKey, power }) => ({ name, pubKey, power: powers.find((p) => p.pubKey === pubKey)?.power ?? power })),
        ...adds,
      ];
      change = { type: 'setValidators', validators };
      break;
    }
    case 'grant':
    case 'revoke':
      if (typeof values.module !== 'string') throw new UsageError('--module: the module to grant or revoke (e.g. notary, did)');
      change = { type: kind === 'grant' ? 'grantPermission' : 'revokePermission', org: org('org', values.org), module: values.module };
      break;
    case 'param':
      if (!(GOV_PARAMETERS as readonly string[]).includes(String(values.name))) throw new UsageError('--name: approvalNumerator, approvalDenominator or votingSeconds (voting periods are time; votingBlocks is no longer used)');
      change = { type: 'setParameter', name: values.name, value: values.name === 'votingSeconds' ? parseVotingPeriod('value', values.value) : parsePositiveInt('value', values.value) };
      break;
    case 'rules':
      // The chain runs under the new rules from the block after the one that executes it (spec/operations.md §"Rules versions").
      change = { type: 'upgradeRules', version: parsePositiveInt('value', values.value) };
      break;
    default:
      throw new UsageError('propose takes add-org, remove-org, validators, grant, revoke, param or rules');
  }
  const args: Record<string, unknown> = { change };
  if (values['voting-period'] !== undefined) args.votingSeconds = parseVotingPeriod('voting-period', values['voting-period']);
  const key = await loadUserKey(values);
  const s = await submitSigned(client, key, 'gov', 'propose', args);
  return report(io, json, s, `proposed: ${describeChange(change as ProposalView['change'])}; proposal id ${s.id}`);
}

function report(io: Io, json: boolean, s: Awaited<ReturnType<typeof submitSigned>>, what: string): number {
  const executed = eventOf(s, 'gov.executed');
  const failed = eventOf(s, 'gov.failed');
  const rejected = eventOf(s, 'gov.rejected');
  const proposed = eventOf(s, 'gov.proposed');
  const outcome = executed ? 'executed' : failed ? 'failed' : rejected ? 'rejected' : 'open';
  const expiresAtMs = typeof proposed?.expiresAtMs === 'number' ? proposed.expiresAtMs : undefined;
  if (json) io.out(JSON.stringify({ ok: s.ok, id: s.id, status: s.status, code: s.result?.code, message: s.result?.message, outcome, ...(expiresAtMs !== undefined ? { expiresAtMs, expiresAtIso: isoTime(expiresAtMs) } : {}) }));
  else if (!s.result) io.err(`not committed yet (${s.status}${s.cause ? `; ${s.cause}` : ''}); check with: polity gov list`);
  else if (!s.ok) io.err(`refused: ${s.result.code}: ${s.result.message}`);
  else {
    io.out(what);
    if (executed) io.out('the share of organisations was reached: the change is executed');
    else if (failed) io.out(`the share was reached but the change could not be made: ${String(failed.code)}`);
    else if (rejected) io.out('enough organisations said no: the proposal is rejected');
    else io.out(`open${expiresAtMs !== undefined ? ` until ${formatDeadline(expiresAtMs, Date.now())}` : ''}; other organisations' admins vote with: polity gov vote <id> --yes`);
  }
  return s.ok ? 0 : 1;
}
