/**
 * `polity validators`: see and change the validator set of a BFT network
 * (spec/consensus.md §9). Changes are transactions signed with the node key
 * of a validating department (`--data DIR`), since a validator's node key is
 * its validator key:
 *
 *   polity validators list                                   the set in force now
 *   polity validators show <id>                              a proposed change and its approvals
 *   polity validators propose --add "Name:PUBKEY[:POWER]"    propose the current set plus/minus departments
 *                             --remove PUBKEY                (prints the change id for the others)
 *   polity validators approve <id>                           approve a proposed change
 *
 * A change takes effect two blocks after validators holding more than two
 * thirds of the power have approved it, and lapses a week (of block time)
 * after it was proposed; `show` prints that deadline as a date in UTC.
 */
import { isHex } from '../../crypto/bytes.js';
import type { Validator } from '../../ledger/genesis.js';
import { loadDataDir } from '../../node/data-dir.js';
import { createClient } from '../../sdk/client.js';
import { apiUrl, optionList, UsageError, type Io } from '../../cli/io.js';
import { parseValidatorSpec } from '../../cli/network-init.js';
import { eventOf, submitSigned } from '../../cli/submit.js';
import { formatDeadline } from '../iso-time.js';
import type { PendingChangeT } from './schemas.js';


export async function runValidators(values: Record<string, unknown>, positionals: string[], io: Io): Promise<number> {
  const [verb = 'list', ...rest] = positionals;
  const client = createClient({ url: apiUrl(values), timeoutMs: 30_000 });
  if (verb === 'list') {
    if (rest.length > 0) throw new UsageError('list takes no arguments');
    const s = await client.status();
    if (values.json) io.out(JSON.stringify({ height: s.height, consensus: s.consensus, validators: s.validators }));
    else {
      const total = s.validators.reduce((sum, v) => sum + v.power, 0);
      io.out(`${s.validators.length} validator(s) at height ${s.height} (${s.consensus} consensus), total power ${total}:`);
      for (const v of s.validators) io.out(`  ${v.name.padEnd(28)} ${v.pubKey}  power ${v.power}`);
    }
    return 0;
  }
  if (verb === 'show') {
    if (rest.length !== 1 || !isHex(rest[0], 32)) throw new UsageError('show takes the change id (64 hex digits) printed by propose');
    const change = await client.request<PendingChangeT>('GET', `/v1/validators/changes/${rest[0]}`);
    if (values.json) io.out(JSON.stringify({ ok: true, ...change }));
    else {
      // A time deadline as `polity org show` prints one; a change made under rules version 1 waits until a height.
      const until = change.expiresAtMs !== undefined ? formatDeadline(change.expiresAtMs, Date.now()) : `block ${change.expiresAt}`;
      io.out(`change ${change.id}: a set of ${change.validators.length} validator(s), proposed at height ${change.proposedAt}, open until ${until}`);
      for (const v of change.validators) io.out(`  ${v.name.padEnd(28)} ${v.pubKey}  power ${v.power}`);
      io.out(`approved by ${change.approvals.length} validator(s) holding ${change.approvedPower} of ${change.totalPower} power (more than two thirds schedules it)`);
    }
    return 0;
  }
  if (verb !== 'propose' && verb !== 'approve') throw new UsageError(`unknown action ${JSON.stringify(verb)}; expected list, show, propose or approve`);
  // Arguments first, so bad usage is refused before anything is read or sent.
  const adds = verb === 'propose' ? optionList(values.add).map(parseValidatorSpec) : [];
  const removes = verb === 'propose' ? optionList(values.remove) : [];
  if (verb === 'propose') {
    if (rest.length > 0) throw new UsageError('propose takes --add and --remove, no arguments');
    for (const r of removes) if (!isHex(r, 32)) throw new UsageError(`--remove: expected a 64-hex-digit node key, got ${JSON.stringify(String(r).slice(0, 70))}`);
    if (adds.length + removes.length === 0) throw new UsageError('give at least one --add "Name:PUBKEY[:POWER]" or --remove PUBKEY');
  } else if (rest.length !== 1 || !isHex(rest[0], 32)) {
    throw new UsageError('approve takes the change id (64 hex digits) printed by propose');
  }
  const data = await loadDataDir(values.data as string);
  const key = data.nodeKey;
  let args: Record<string, unknown>;
  if (verb === 'propose') {
    const current = (await client.status()).validators as Validator[];
    for (const r of removes) if (!current.some((v) => v.pubKey === r)) throw new UsageError(`--remove: ${r.slice(0, 16)}… is not a validator now`);
    for (const a of adds) if (current.some((v) => v.pubKey === a.pubKey)) throw new UsageError(`--add: ${a.pubKey.slice(0, 16)}… is already a validator`);
    args = { validators: [...current.filter((v) => !removes.includes(v.pubKey)).map(({ name, pubKey, power }) => ({ name, pubKey, power })), ...adds] };
  } else {
    args = { id: rest[0] };
  }
  const submitted = await submitSigned(client, key, 'validators', verb, args);
  const { id, result, ok } = submitted;
  const scheduled = eventOf(submitted, 'validators.scheduled');
  if (values.json) {
    io.out(JSON.stringify({ ok, status: submitted.status, code: result?.code, message: result?.message, ...(verb === 'propose' ? { id } : {}), ...(scheduled ? { since: scheduled.since } : {}) }));
  } else if (!result) {
    io.err(`not committed yet (${submitted.status}); check later with: polity status`);
  } else if (!ok) {
    io.err(`refused: ${result.code}: ${result.message}`);
  } else {
    if (verb === 'propose') io.out(`proposed a set of ${(args.validators as unknown[]).length} validator(s); change id ${id}`);
    else io.out(`approved change ${args.id as string}`);
    io.out(scheduled ? `two thirds approved: the new set takes effect at height ${scheduled.since}` : 'waiting for approvals from validators holding more than two thirds of the power: polity validators approve <id>');
  }
  return ok ? 0 : 1;
}
