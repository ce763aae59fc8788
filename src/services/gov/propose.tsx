/**
 * Propose a change to the consortium (gov.propose): add or remove an
 * organisation, grant or revoke a module permission, set a governance
 * parameter, or change the validator set from the set in force.
 *
 * Each field is checked before anything is signed, against the chain's own
 * rules: the organisation-id pattern and the organisation check of the
 * membership layer, the module-name pattern of transactions, the validator
 * list check of the genesis, and the bounds of the governance and
 * validators services. The chain checks everything again.
 */
import type { JSX } from 'preact';
import { useState } from 'preact/hooks';
import { TOTAL_POWER_MAX, validatorListError, type Validator } from '../../ledger/genesis.js';
import { NAME_RE } from '../../ledger/transaction.js';
import { ADMINS_MAX, NODES_MAX, ORG_ID_RE, organisationError } from '../../runtime/membership.js';
import { VALIDATORS_MAX, VALIDATORS_MIN } from '../validators/limits.js';
import { VOTING_SECONDS_DEFAULT, VOTING_SECONDS_MAX, VOTING_SECONDS_MIN } from './limits.js';
import { formatDuration, parsePeriodSeconds } from '../iso-time.js';
import type { GovChange } from './module.js';
import { describeWith, focusIfLost, govOutcome } from './proposals.js';
import type { AdminSession, ConsortiumView } from '../org/admin.js';
import type { SigningKeys } from '../../../web/components/key-panel.js';
import { Check, CheckGroup, Field, focusFirstError, readKey, readKeyList, readRequiredInt, Validation, type Reading } from '../../../web/components/form.js';
import { invalidOutcome, OutcomeRegion, type Outcome, type Writer } from '../../../web/components/signed-write.js';
import { DataTable } from '../../../web/components/table.js';
import { Hash, Notice, Panel } from '../../../web/components/ui.js';
import { formatNumber, plural } from '../../../web/lib/format.js';

/** Service decisions are proposed from the service's own page and CLI, which know their content. */
/** What the page proposes; a rules upgrade is proposed with the CLI (`polity gov propose rules`), after the nodes are upgraded. */
type ChangeType = Exclude<GovChange['type'], 'serviceDecision' | 'upgradeRules'>;
type ParamName = Exclude<Extract<GovChange, { type: 'setParameter' }>['name'], 'votingBlocks'>;

/** A voting period as typed: "2h", "7d", "90s", "1h30m", or seconds; within `max` (the consortium's period, or the ceiling). */
function readPeriod(raw: string, options: { max: number; optional?: boolean }): Reading<number | null> {
  const text = raw.trim();
  if (text === '' && options.optional) return { ok: true, value: null };
  const seconds = parsePeriodSeconds(text);
  if (seconds === undefined) return { ok: false, error: 'Enter a period such as 90s, 30min, 2h, 7d or 1d12h.' };
  if (seconds < VOTING_SECONDS_MIN || seconds > options.max) return { ok: false, error: `Expected ${formatDuration(VOTING_SECONDS_MIN * 1000)} to ${formatDuration(options.max * 1000)}, got ${formatDuration(seconds * 1000)}.` };
  return { ok: true, value: seconds };
}

/** Every change a proposal can make (GovChange), in words: a new kind fails to compile until it has its words and its fields. */
const CHANGES: Record<ChangeType, string> = {
  addOrganisation: 'Add an organisation',
  removeOrganisation: 'Remove an organisation',
  grantPermission: 'Grant a module permission',
  revokePermission: 'Revoke a module permission',
  setParameter: 'Set a governance parameter',
  setValidators: 'Change the validator set',
};

const EMPTY = {
  type: 'addOrganisation' as ChangeType,
  name: '',
  id: '',
  admins: '',
  threshold: '1',
  nodes: '',
  permissions: [] as string[],
  removeOrg: '',
  permOrg: '',
  module: '',
  param: 'votingSeconds' as ParamName,
  value: '',
  /** Voting power typed for each validator of the set in force, by key; absent: unchanged. */
  powers: {} as Record<string, string>,
  takeOut: [] as string[],
  valName: '',
  valKey: '',
  valPower: '1',
  votingPeriod: '',
};
type Values = typeof EMPTY;

/** The organisation-check's field prefix (membership.ts organisationError) to the control it is about. */
const ORG_FIELDS: Record<string, string> = { id: 'add-id', name: 'add-name', admins: 'add-admins', threshold: 'add-threshold', nodes: 'add-nodes', permissions: 'add-permissions' };

export function ProposeForm(props: { keys: SigningKeys; session: AdminSession; consortium: ConsortiumView; writer: Writer; after: () => Promise<void> }): JSX.Element {
  const { keys, session, consortium, writer } = props;
  const [v, setValues] = useState<Values>(EMPTY);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const set = <K extends keyof Values>(name: K, value: Values[K]) => setValues((old) => ({ ...old, [name]: value }));
  const text = (name: keyof Values) => ({ value: v[name] as string, onInput: (e: Event) => set(name, (e.currentTarget as HTMLInputElement).value as never) });
  const enabled = Boolean(session.adminOrg);
  const g = consortium.governance;
  const active = consortium.activeOrgs();
  const modules = consortium.moduleNames();

  const build = (c: Validation): GovChange | undefined => {
    switch (v.type) {
      case 'addOrganisation': {
        const name = v.name.trim();
        const id = v.id.trim();
        if (name === '') c.fail('add-name', 'Name', 'Enter the organisation’s name.');
        if (id === '') c.fail('add-id', 'Id', 'Enter an id, e.g. tax-office.');
        else if (!ORG_ID_RE.test(id)) c.fail('add-id', 'Id', 'Use 1-64 lowercase letters, digits and dashes, not starting or ending with a dash.');
        else if (consortium.orgById(id)) c.fail('add-id', 'Id', `An organisation ${id} exists or existed: ids are never reused.`);
        const admins = c.take('add-admins', 'Admin public keys', readKeyList(v.admins, { min: 1, max: ADMINS_MAX, what: 'admin key' }));
        const threshold = c.take('add-threshold', 'Approvals needed', readRequiredInt(v.threshold, { min: 1, max: admins?.length ?? ADMINS_MAX, what: 'how many admins must approve' }));
        const nodes = c.take('add-nodes', 'Node public keys', readKeyList(v.nodes, { min: 0, max: NODES_MAX, what: 'node key' }));
        if (admins && nodes && admins.some((k) => nodes.includes(k))) c.fail('add-nodes', 'Node public keys', 'A key cannot be both an admin key and a node key.');
        if (!c.ok || !admins || !nodes || threshold === undefined) return undefined;
        const organisation = { id, name, admins, threshold, nodes, permissions: v.permissions };
        // The membership layer's own check of an organisation record, as the chain will run it.
        const wrong = organisationError(organisation, modules);
        if (wrong) {
          const field = ORG_FIELDS[wrong.split(':')[0]!] ?? 'add-name';
          return c.fail(field, 'Organisation', `${wrong[0]!.toUpperCase()}${wrong.slice(1)}.`);
        }
        return { type: 'addOrganisation', organisation };
      }
      case 'removeOrganisation':
        if (!ORG_ID_RE.test(v.removeOrg)) return c.fail('remove-org', 'Organisation', 'Choose an organisation.');
        return { type: 'removeOrganisation', id: v.removeOrg };
      case 'grantPermission':
      case 'revokePermission': {
        const org = ORG_ID_RE.test(v.permOrg) ? v.permOrg : c.fail('perm-org', 'Organisation', 'Choose an organisation.');
        const module = v.module.trim();
        if (!NAME_RE.test(module)) c.fail('perm-module', 'Module', module === '' ? 'Enter a module name.' : 'A module name is a lowercase letter then letters and digits, e.g. notary.');
        else if (org) {
          const has = consortium.orgById(org)?.permissions.includes(module);
          if (v.type === 'grantPermission' && has) c.fail('perm-module', 'Module', `${consortium.orgName(org)} already holds the ${module} permission.`);
          if (v.type === 'revokePermission' && !has) c.fail('perm-module', 'Module', `${consortium.orgName(org)} does not hold the ${module} permission.`);
        }
        if (!org || !c.ok) return undefined;
        return { type: v.type, org, module };
      }
      case 'setParameter': {
        const value =
          v.param === 'votingSeconds'
            ? c.take('param-value', 'New value', readPeriod(v.value, { max: VOTING_SECONDS_MAX }) as Reading<number>)
            : c.take('param-value', 'New value', readRequiredInt(v.value, { min: 1, max: VOTING_SECONDS_MAX, what: 'the new value' }));
        if (value === undefined || value === null) return undefined;
        if (g) {
          const next = { ...g, [v.param]: value };
          if (next.approvalNumerator > next.approvalDenominator)
            return c.fail('param-value', 'New value', `The approval share cannot exceed 1 (numerator ${next.approvalNumerator} > denominator ${next.approvalDenominator}).`);
        }
        return { type: 'setParameter', name: v.param, value };
      }
      case 'setValidators':
        return buildValidators(c);
    }
  };

  const buildValidators = (c: Validation): GovChange | undefined => {
    const validators: Validator[] = [];
    for (const [i, cur] of consortium.validators.entries()) {
      if (v.takeOut.includes(cur.pubKey)) continue;
      const power = c.take(`val-power-${i}`, `Voting power of ${cur.name}`, readRequiredInt(v.powers[cur.pubKey] ?? String(cur.power), { min: 1, max: TOTAL_POWER_MAX, what: `the voting power of ${cur.name}` }));
      if (power !== undefined) validators.push({ name: cur.name, pubKey: cur.pubKey, power });
    }
    const addName = v.valName.trim();
    if (addName !== '' || v.valKey.trim() !== '') {
      if (addName === '') c.fail('val-name', 'Name', 'Enter the validator’s name.');
      const key = c.take('val-key', 'Node public key', readKey(v.valKey, 'the validator’s node key'));
      const power = c.take('val-power', 'Voting power', readRequiredInt(v.valPower, { min: 1, max: TOTAL_POWER_MAX, what: 'its voting power' }));
      if (key && consortium.validators.some((x) => x.pubKey === key)) c.fail('val-key', 'Node public key', 'This node is already a validator: change its power above.');
      if (key && addName && power !== undefined && c.ok) validators.push({ name: addName, pubKey: key, power });
    }
    if (!c.ok) return undefined;
    if (validators.length < VALIDATORS_MIN) return c.fail('validators-error', 'Validator set', `A validator set needs at least ${VALIDATORS_MIN} validators; this one has ${validators.length}.`);
    if (validators.length > VALIDATORS_MAX) return c.fail('validators-error', 'Validator set', `At most ${VALIDATORS_MAX} validators.`);
    const same = validators.length === consortium.validators.length && validators.every((x) => consortium.validators.some((cur) => cur.pubKey === x.pubKey && cur.power === x.power));
    if (same) return c.fail('validators-error', 'Validator set', 'This is the set in force: change a power, take a validator out, or add one.');
    const wrong = validatorListError(validators);
    if (wrong) return c.fail('validators-error', 'Validator set', `The new set${wrong}.`);
    return { type: 'setValidators', validators };
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const key = keys.state.key;
    if (writer.busy || !key || !session.adminOrg) return;
    const c = new Validation();
    const change = build(c);
    const votingSeconds = c.take('voting-period', 'Voting period', readPeriod(v.votingPeriod, { max: g?.votingSeconds ?? VOTING_SECONDS_MAX, optional: true }));
    setErrors(c.byField());
    if (!change || !c.ok) {
      setOutcome(invalidOutcome(c.errors));
      setTimeout(() => focusFirstError(c.errors), 0);
      return;
    }
    const sent = await writer.send(setOutcome, key, 'gov', 'propose', votingSeconds === null || votingSeconds === undefined ? { change } : { change, votingSeconds });
    if (sent) {
      setOutcome(govOutcome(sent, `“${describeWith(consortium)(change)}”`, consortium));
      setValues((old) => ({ ...EMPTY, type: old.type, param: old.param, removeOrg: old.removeOrg, permOrg: old.permOrg }));
    }
    await props.after().catch(() => undefined);
    focusIfLost('propose-outcome');
  };

  const err = (id: string) => errors[id];
  const orgOptions = (id: string, label: string, name: 'removeOrg' | 'permOrg', hint?: string, hintId?: string) => (
    <Field id={id} label={label} hint={hint} error={err(id)}>
      {(a) => (
        <select {...a} aria-describedby={hintId ? `${hintId} ${id}-error` : a['aria-describedby']} name={name} class="input" value={v[name]} onChange={(e) => set(name, (e.currentTarget as HTMLSelectElement).value)}>
          <option value="">— choose an organisation —</option>
          {active.map((o) => (
            <option value={o.id} key={o.id}>
              {o.name} ({o.id})
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  return (
    <Panel id="propose-title" title="Propose a change" sectionId="propose-panel">
      {enabled ? null : (
        <p class="write-hint" id="propose-hint">
          Use your admin key above to propose a change to the consortium. Your proposal counts as your yes vote; it executes once the required share of organisations approved it.
        </p>
      )}
      <form id="propose-form" class="console-form" noValidate onSubmit={submit}>
        <fieldset class="write" disabled={!enabled} aria-busy={writer.busy ? 'true' : undefined}>
          <legend class="visually-hidden">The change</legend>
          <div class="form-field">
            <label for="change-type">Change</label>
            <select
              id="change-type"
              name="type"
              class="input"
              value={v.type}
              onChange={(e) => {
                set('type', (e.currentTarget as HTMLSelectElement).value as ChangeType);
                setErrors({});
              }}
            >
              {Object.entries(CHANGES).map(([value, label]) => (
                <option value={value} key={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>

          {v.type === 'addOrganisation' ? (
            <div class="change">
              <div class="form-grid">
                <Field id="add-name" label="Name" error={err('add-name')}>
                  {(a) => <input {...a} name="name" class="input" type="text" maxLength={128} autocomplete="off" {...text('name')} />}
                </Field>
                <Field
                  id="add-id"
                  label="Id"
                  hint={
                    <>
                      Lowercase letters, digits and dashes, e.g. <code>tax-office</code>. Ids are never reused.
                    </>
                  }
                  hintAfter
                  error={err('add-id')}
                >
                  {(a) => <input {...a} name="id" class="input" type="text" maxLength={64} autocomplete="off" spellcheck={false} {...text('id')} />}
                </Field>
              </div>
              <Field id="add-admins" label="Admin public keys, one per line" error={err('add-admins')}>
                {(a) => <textarea {...a} name="admins" class="input input-key" rows={2} spellcheck={false} {...text('admins')} />}
              </Field>
              <Field id="add-threshold" label="Approvals needed (m of n)" class="form-field-narrow" error={err('add-threshold')}>
                {(a) => <input {...a} name="threshold" class="input" type="number" min="1" max={String(ADMINS_MAX)} step="1" inputMode="numeric" {...text('threshold')} />}
              </Field>
              <Field
                id="add-nodes"
                label={
                  <>
                    Node public keys, one per line <span class="muted">(optional)</span>
                  </>
                }
                hint="A node key becomes a validator only through a later change of the validator set."
                hintAfter
                error={err('add-nodes')}
              >
                {(a) => <textarea {...a} name="nodes" class="input input-key" rows={2} spellcheck={false} {...text('nodes')} />}
              </Field>
              <CheckGroup id="add-permissions" legend="Module permissions" error={err('add-permissions')} class="check-list-narrow">
                {modules.map((m) => (
                  <Check
                    key={m}
                    id={`add-permission-${m}`}
                    name="permissions"
                    value={m}
                    inline
                    checked={v.permissions.includes(m)}
                    onChange={(on) => set('permissions', on ? [...v.permissions, m] : v.permissions.filter((x) => x !== m))}
                    label={<code>{m}</code>}
                  />
                ))}
              </CheckGroup>
            </div>
          ) : null}

          {v.type === 'removeOrganisation' ? (
            <div class="change">
              {orgOptions('remove-org', 'Organisation', 'removeOrg', 'Its admins and officials lose every right when the change executes. An organisation that runs validators must leave the validator set first.')}
            </div>
          ) : null}

          {v.type === 'grantPermission' || v.type === 'revokePermission' ? (
            <div class="change">
              <div class="form-grid">
                {orgOptions('perm-org', 'Organisation', 'permOrg')}
                <Field
                  id="perm-module"
                  label="Module"
                  hint={
                    <>
                      The service, e.g. <code>notary</code>.
                    </>
                  }
                  hintAfter
                  error={err('perm-module')}
                >
                  {(a) => <input {...a} name="module" class="input" type="text" list="module-names" autocomplete="off" spellcheck={false} {...text('module')} />}
                </Field>
                <datalist id="module-names">
                  {modules.map((m) => (
                    <option value={m} key={m} />
                  ))}
                </datalist>
              </div>
            </div>
          ) : null}

          {v.type === 'setParameter' ? (
            <div class="change">
              <div class="form-grid">
                <Field id="param-name" label="Parameter" hint={g ? `Now: voting period ${formatDuration(g.votingSeconds * 1000)}; approval share ${g.approvalNumerator}/${g.approvalDenominator}.` : undefined} hintAfter>
                  {(a) => (
                    <select {...a} name="name" class="input" value={v.param} onChange={(e) => set('param', (e.currentTarget as HTMLSelectElement).value as ParamName)}>
                      <option value="votingSeconds">Voting period (a time, e.g. 2h or 7d)</option>
                      <option value="approvalNumerator">Approval share: numerator</option>
                      <option value="approvalDenominator">Approval share: denominator</option>
                    </select>
                  )}
                </Field>
                <Field id="param-value" label="New value" error={err('param-value')}>
                  {(a) => (v.param === 'votingSeconds' ? <input {...a} name="value" class="input" type="text" placeholder="7d" {...text('value')} /> : <input {...a} name="value" class="input" type="number" min="1" step="1" inputMode="numeric" {...text('value')} />)}
                </Field>
              </div>
            </div>
          ) : null}

          {v.type === 'setValidators' ? <ValidatorsEditor values={v} set={set} errors={errors} consortium={consortium} /> : null}

          <Field
            id="voting-period"
            class="form-field-narrow"
            label={
              <>
                Voting period <span class="muted">(optional)</span>
              </>
            }
            hint={`Leave empty for the consortium’s full period (${formatDuration((g?.votingSeconds ?? VOTING_SECONDS_DEFAULT) * 1000)}); a shorter one may be given, from ${formatDuration(VOTING_SECONDS_MIN * 1000)}: e.g. 2h, 3d. The deadline is a block time; the proposal shows it as a date in your time zone.`}
            hintAfter
            error={err('voting-period')}
          >
            {(a) => <input {...a} name="votingPeriod" class="input" type="text" placeholder={formatDuration((g?.votingSeconds ?? VOTING_SECONDS_DEFAULT) * 1000).replace(/ /g, '')} {...text('votingPeriod')} />}
          </Field>
          <div class="form-actions">
            <button type="submit" class="button" aria-disabled={writer.busy ? 'true' : undefined}>
              Propose the change
            </button>
          </div>
          <OutcomeRegion id="propose-outcome" outcome={outcome} />
        </fieldset>
      </form>
    </Panel>
  );
}

/** The set in force, to edit: each validator's power, who to take out, and one to add. */
function ValidatorsEditor(props: { values: Values; set: <K extends keyof Values>(name: K, value: Values[K]) => void; errors: Record<string, string>; consortium: ConsortiumView }): JSX.Element {
  const { values: v, set, errors, consortium } = props;
  const solo = consortium.validators.length < VALIDATORS_MIN;
  return (
    <div class="change">
      <p class="field-hint" id="validators-hint">
        The validator set in force now. Change a power, take a validator out, or add one; the new set signs from two blocks after the change executes.
      </p>
      {solo ? (
        <Notice tone="warn">
          <p>This chain has one validator and runs solo consensus (a pilot). A new set of at least two validators grows it into a BFT network without a new genesis, so its receipts stay valid: the pilot stops before the new set's first height, and restarts with the new validators' network settings (README, “Grow a pilot into a network”).</p>
        </Notice>
      ) : null}
      <DataTable
        id="validators-table"
        caption="The validator set in force, to edit"
        rows={consortium.validators}
        rowKey={(x) => x.pubKey}
        rowProps={(x) => ({ 'data-key': x.pubKey })}
        empty="No validator set is known."
        columns={[
          {
            label: 'Validator',
            cell: (x) => (
              <>
                <span class="strong">{x.name}</span>
                <span class="block">
                  <Hash value={x.pubKey} short />
                </span>
              </>
            ),
          },
          {
            label: 'Voting power',
            cell: (x, i) => (
              <>
                <label class="visually-hidden" for={`val-power-${i}`}>
                  Voting power of {x.name}
                </label>
                <input
                  id={`val-power-${i}`}
                  class="input input-power"
                  type="number"
                  min="1"
                  step="1"
                  inputMode="numeric"
                  aria-describedby="validators-error"
                  aria-invalid={errors[`val-power-${i}`] ? 'true' : undefined}
                  value={v.powers[x.pubKey] ?? String(x.power)}
                  onInput={(e) => set('powers', { ...v.powers, [x.pubKey]: (e.currentTarget as HTMLInputElement).value })}
                />
              </>
            ),
          },
          {
            label: 'Take out',
            cell: (x) => (
              <label class="check check-inline">
                <input type="checkbox" data-remove={x.pubKey} checked={v.takeOut.includes(x.pubKey)} onChange={(e) => set('takeOut', (e.currentTarget as HTMLInputElement).checked ? [...v.takeOut, x.pubKey] : v.takeOut.filter((k) => k !== x.pubKey))} />
                <span>
                  Take out<span class="visually-hidden"> {x.name}</span>
                </span>
              </label>
            ),
          },
        ]}
      />
      <fieldset class="checks add-validator">
        <legend>
          Add a validator <span class="muted">(optional)</span>
        </legend>
        <div class="form-grid form-grid-3">
          <Field id="val-name" label="Name" error={errors['val-name']}>
            {(a) => <input {...a} class="input" type="text" maxLength={128} autocomplete="off" value={v.valName} onInput={(e) => set('valName', (e.currentTarget as HTMLInputElement).value)} />}
          </Field>
          <Field id="val-key" label="Node public key" hint="One of a member organisation’s node keys." hintAfter error={errors['val-key']}>
            {(a) => <input {...a} class="input input-key" type="text" autocomplete="off" spellcheck={false} value={v.valKey} onInput={(e) => set('valKey', (e.currentTarget as HTMLInputElement).value)} />}
          </Field>
          <Field id="val-power" label="Voting power" error={errors['val-power']}>
            {(a) => <input {...a} class="input" type="number" min="1" step="1" inputMode="numeric" value={v.valPower} onInput={(e) => set('valPower', (e.currentTarget as HTMLInputElement).value)} />}
          </Field>
        </div>
      </fieldset>
      <p class="field-error" id="validators-error">
        {errors['validators-error'] ?? Object.entries(errors).find(([id]) => id.startsWith('val-power-'))?.[1] ?? ''}
      </p>
    </div>
  );
}
