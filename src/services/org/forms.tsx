/**
 * An admin manages their organisation (org.propose): register an official,
 * change an official's roles or remove them, replace the admin keys, rotate
 * a node key. Each is one transaction signed by the admin; it runs once the
 * organisation's threshold of admins approved it (org.approve).
 */
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { Json } from '../../crypto/canonical-json.js';
import { ADMINS_MAX, COMMON_ROLES } from '../../runtime/membership.js';
import type { OrgOp } from './module.js';
import type { AdminSession, ConsortiumView } from './admin.js';
import type { OrgResponse } from '../../../web/lib/api-types.js';
import { plural, shortHex } from '../../../web/lib/format.js';
import type { SigningKeys } from '../../../web/components/key-panel.js';
import { Check, CheckGroup, Field, focusFirstError, readKey, readKeyList, readRequiredInt, Validation, type Reading } from '../../../web/components/form.js';
import { parseConsents, type ConsentUse } from './consent.js';
import { eventOf, invalidOutcome, OutcomeRegion, TxLink, type Committed, type Outcome, type Writer } from '../../../web/components/signed-write.js';
import { Panel } from '../../../web/components/ui.js';
import { focusIfLost } from '../gov/proposals.js';

/** What each role lets an official do, in words (roles a module adds get a generic line). */
const ROLE_HELP: Record<string, string> = {
  registrar: 'registers people and records (e.g. decentralised identifiers)',
  issuer: 'issues credentials and documents',
  approver: 'approves requests',
  auditor: 'reads for audit',
};

/** The roles officials can hold: the chain's list (GET /v1/modules), and the common roles until it arrives. */
export function officialRoles(consortium: ConsortiumView): string[] {
  return consortium.catalogue?.roles ?? COMMON_ROLES.filter((r) => r !== 'admin');
}

/** Say what an org operation did: applied, or waiting for the other admins. */
export function orgOutcome(sent: Committed, done: string, consortium: ConsortiumView): Outcome {
  const link = <TxLink id={sent.id} height={sent.height} />;
  const applied = eventOf(sent.result, 'org.applied');
  const pending = eventOf(sent.result, 'org.pending');
  if (applied || !pending) return { kind: 'done', tone: 'ok', title: applied ? `Done: ${done}.` : 'Done.', details: [link] };
  const approvals = Number(pending.approvals);
  const threshold = Number(pending.threshold);
  const missing = threshold - approvals;
  const org = String(pending.org);
  return {
    kind: 'waiting',
    tone: 'wait',
    title: `Waiting for admin approvals: ${approvals} of ${threshold} so far`,
    details: [
      `It runs once ${plural(missing, 'more admin')} of ${consortium.orgName(org)} ${missing === 1 ? 'approves' : 'approve'} it: on this page, under “Waiting for approval”, or with the command line:`,
      <p>
        <code class="hash-full">{`polity org approve ${String(pending.id)} --org ${org}`}</code>
      </p>,
      link,
    ],
  };
}

/**
 * The consents pasted into a field (what `polity org consent` prints, one per
 * line) for the keys an operation binds: each key's signature, or what is
 * missing. The chain checks the signatures; this only matches them to keys.
 */
function readConsents(raw: string, org: string, wanted: readonly { key: string; use: ConsentUse }[]): Reading<{ key: string; signature: string }[]> {
  if (wanted.length === 0) return { ok: true, value: [] };
  const parsed = parseConsents(raw);
  if (typeof parsed === 'string') return { ok: false, error: `${parsed[0]!.toUpperCase()}${parsed.slice(1)}.` };
  const out: { key: string; signature: string }[] = [];
  for (const w of wanted) {
    const c = parsed.find((p) => p.key === w.key);
    if (!c) return { ok: false, error: `Paste the consent of key ${shortHex(w.key)}: its holder makes it with polity org consent --org ${org} --as ${w.use}.` };
    if (c.org !== org || c.use !== w.use) return { ok: false, error: `The consent of key ${shortHex(w.key)} is to be ${c.use} of ${c.org}; it must be to be ${w.use} of ${org}.` };
    out.push({ key: w.key, signature: c.signature });
  }
  return { ok: true, value: out };
}

/** The field where an admin pastes consents, with what it is for. */
function ConsentField(props: { id: string; label: string; use: ConsentUse; org: string; value: string; error: string | undefined; onInput: (v: string) => void }): JSX.Element {
  return (
    <Field
      id={props.id}
      label={props.label}
      hint={
        <>
          A key joins only with its holder’s consent. They run <code>{`polity org consent --org ${props.org || 'ID'} --as ${props.use} --key THEIR-KEY-FILE`}</code> and send you what it prints; paste it here. It holds a signature, never their secret key.
        </>
      }
      error={props.error}
    >
      {(a) => <textarea {...a} name={props.id} class="input input-key" rows={2} spellcheck={false} value={props.value} onInput={(e) => props.onInput((e.currentTarget as HTMLTextAreaElement).value)} />}
    </Field>
  );
}

interface FormContext {
  keys: SigningKeys;
  session: AdminSession;
  consortium: ConsortiumView;
  writer: Writer;
  /** The admin's own organisation as GET /v1/orgs/{id} has it. */
  own: OrgResponse | null;
  after: () => Promise<void>;
}

/**
 * A form whose submit checks its fields, signs org.propose with the admin's
 * key and says the outcome. `build` returns the operation and what it does
 * in words, or undefined after recording field errors.
 */
function useOrgWrite(ctx: FormContext, outcomeId: string) {
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  useEffect(() => setOutcome(null), [ctx.keys.state.generation]);
  /** Show the errors of a submit that signs nothing. */
  const reject = (c: Validation) => {
    setErrors(c.byField());
    setOutcome(invalidOutcome(c.errors));
    setTimeout(() => focusFirstError(c.errors), 0);
  };
  const run = async (build: (c: Validation) => { op: OrgOp; done: string } | undefined, reset?: () => void) => {
    const key = ctx.keys.state.key;
    const org = ctx.session.adminOrg;
    if (ctx.writer.busy || !key || !org) return;
    const c = new Validation();
    const spec = build(c);
    setErrors(c.byField());
    if (!spec || !c.ok) return reject(c);
    const sent = await ctx.writer.send(setOutcome, key, 'org', 'propose', { org, op: spec.op as unknown as Json });
    if (sent) {
      setOutcome(orgOutcome(sent, spec.done, ctx.consortium));
      reset?.();
    }
    await ctx.after().catch(() => undefined);
    focusIfLost(outcomeId);
  };
  return { errors, outcome, reject, run };
}

function RoleChecks(props: { prefix: string; consortium: ConsortiumView; chosen: string[]; onChange: (roles: string[]) => void; legend: string; error?: string }): JSX.Element {
  return (
    <CheckGroup id={`${props.prefix}-roles`} legend={props.legend} error={props.error}>
      {officialRoles(props.consortium).map((role, i) => (
        <Check
          key={role}
          id={`${props.prefix}-role-${role}`}
          name="roles"
          value={role}
          checked={props.chosen.includes(role)}
          invalid={i === 0 && Boolean(props.error)}
          onChange={(on) => props.onChange(on ? [...props.chosen, role] : props.chosen.filter((r) => r !== role))}
          label={<span class="strong">{role}</span>}
          help={ROLE_HELP[role] ?? 'a role a module defines'}
        />
      ))}
    </CheckGroup>
  );
}

const readRoles = (c: Validation, prefix: string, roles: string[]): string[] | undefined => (roles.length > 0 ? roles : c.fail(`${prefix}-roles`, 'Roles', 'Choose at least one role.'));

function RegisterForm(props: { ctx: FormContext }): JSX.Element {
  const { ctx } = props;
  const [key, setKey] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [consent, setConsent] = useState('');
  const org = ctx.session.adminOrg ?? '';
  const w = useOrgWrite(ctx, 'register-outcome');
  const submit = (e: Event) => {
    e.preventDefault();
    void w.run(
      (c) => {
        const k = c.take('register-key', 'Official’s public key', readKey(key, 'the official’s public key'));
        const r = readRoles(c, 'register', roles);
        const given = k ? c.take('register-consent', 'Official’s consent', readConsents(consent, org, [{ key: k, use: 'official' }])) : undefined;
        return k && r && given ? { op: { type: 'registerOfficial', key: k, roles: r, consent: given[0]!.signature }, done: `official ${shortHex(k)} is registered as ${r.join(', ')}` } : undefined;
      },
      () => {
        setKey('');
        setRoles([]);
        setConsent('');
      },
    );
  };
  return (
    <WriteForm id="register-form" legend="Register an official" ctx={ctx} onSubmit={submit} outcome={<OutcomeRegion id="register-outcome" outcome={w.outcome} />}>
      <Field
        id="register-key"
        label="Official’s public key"
        hint={
          <>
            64 hex digits: the <code>publicKey</code> of the official’s own key file (<code>polity keys new</code> on their computer). Never ask for their secret key.
          </>
        }
        error={w.errors['register-key']}
      >
        {(a) => <input {...a} name="key" class="input input-key" type="text" autocomplete="off" spellcheck={false} value={key} onInput={(e) => setKey((e.currentTarget as HTMLInputElement).value)} />}
      </Field>
      <ConsentField id="register-consent" label="Official’s consent" use="official" org={org} value={consent} error={w.errors['register-consent']} onInput={setConsent} />
      <RoleChecks prefix="register" legend="Roles" consortium={ctx.consortium} chosen={roles} onChange={setRoles} error={w.errors['register-roles']} />
      <div class="form-actions">
        <button type="submit" class="button" aria-disabled={ctx.writer.busy ? 'true' : undefined}>
          Register the official
        </button>
      </div>
    </WriteForm>
  );
}

/** Change an official's roles, or remove them (after a confirmation). `editKey` is set by a "Change" button in the officials table. */
function OfficialForm(props: { ctx: FormContext; editKey: { key: string; at: number } | null }): JSX.Element {
  const { ctx } = props;
  const officials = ctx.own?.officials ?? [];
  const [key, setKey] = useState('');
  const [roles, setRoles] = useState<string[]>([]);
  const [confirming, setConfirming] = useState(false);
  const w = useOrgWrite(ctx, 'official-outcome');
  const select = useRef<HTMLSelectElement>(null);
  const yes = useRef<HTMLButtonElement>(null);
  const removeButton = useRef<HTMLButtonElement>(null);
  const orgName = ctx.session.adminOrg ? ctx.consortium.orgName(ctx.session.adminOrg) : '';

  const choose = (k: string) => {
    setKey(k);
    setRoles(officials.find((f) => f.key === k)?.roles ?? []);
    setConfirming(false);
  };
  // Before the browser paints (a layout effect): the form shows the official chosen in the table at once.
  useLayoutEffect(() => {
    if (!props.editKey) return;
    choose(props.editKey.key);
    select.current?.closest('form')?.scrollIntoView({ block: 'start', behavior: 'smooth' });
    select.current?.focus({ preventScroll: true });
  }, [props.editKey]);
  useEffect(() => {
    if (confirming) yes.current?.focus();
  }, [confirming]);

  const chosen = (c: Validation) => (key ? key : c.fail('official-select', 'Official', 'Choose an official.'));
  const save = (e: Event) => {
    e.preventDefault();
    void w.run((c) => {
      const k = chosen(c);
      const r = readRoles(c, 'official', roles);
      return k && r ? { op: { type: 'setRoles', key: k, roles: r }, done: `official ${shortHex(k)} now holds ${r.join(', ')}` } : undefined;
    });
  };
  const askRemove = () => {
    if (ctx.writer.busy) return;
    const c = new Validation();
    if (!chosen(c)) return w.reject(c);
    setConfirming(true);
  };
  const remove = () => {
    setConfirming(false);
    void w.run(
      (c) => {
        const k = chosen(c);
        return k ? { op: { type: 'removeOfficial', key: k }, done: `official ${shortHex(k)} is removed` } : undefined;
      },
      () => choose(''),
    );
  };

  return (
    <WriteForm id="official-form" legend="Change or remove an official" ctx={ctx} onSubmit={save} outcome={<OutcomeRegion id="official-outcome" outcome={w.outcome} />}>
      <Field id="official-select" label="Official" error={w.errors['official-select']}>
        {(a) => (
          <select {...a} ref={select} name="key" class="input" value={key} onChange={(e) => choose((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">{officials.length ? '— choose an official —' : '— no official yet —'}</option>
            {officials.map((f) => (
              <option value={f.key} key={f.key}>
                {shortHex(f.key)} — {(f.roles ?? []).join(', ')}
              </option>
            ))}
          </select>
        )}
      </Field>
      <RoleChecks prefix="official" legend="New roles" consortium={ctx.consortium} chosen={roles} onChange={setRoles} error={w.errors['official-roles']} />
      <div class="form-actions">
        <button type="submit" class="button" name="intent" value="roles" aria-disabled={ctx.writer.busy ? 'true' : undefined}>
          Save the roles
        </button>
        <button type="button" class="button button-danger" id="remove-official" ref={removeButton} onClick={askRemove}>
          Remove the official…
        </button>
      </div>
      <div class="confirm" id="remove-confirm" hidden={!confirming}>
        <p id="remove-confirm-text">{key ? `Remove official ${shortHex(key)}? Once the change runs, the key stops acting for ${orgName}; to act again it must be registered again.` : ''}</p>
        <div class="form-actions">
          <button type="button" class="button button-danger-solid" id="remove-yes" ref={yes} onClick={remove}>
            Yes, remove
          </button>
          <button
            type="button"
            class="button button-secondary"
            id="remove-no"
            onClick={() => {
              setConfirming(false);
              removeButton.current?.focus();
            }}
          >
            Cancel
          </button>
        </div>
      </div>
    </WriteForm>
  );
}

function AdminsForm(props: { ctx: FormContext }): JSX.Element {
  const { ctx } = props;
  const o = ctx.own?.organisation;
  const [admins, setAdmins] = useState<string | null>(null);
  const [threshold, setThreshold] = useState<string | null>(null);
  const [consents, setConsents] = useState('');
  const w = useOrgWrite(ctx, 'admins-outcome');
  const adminsText = admins ?? o?.admins.join('\n') ?? '';
  const thresholdText = threshold ?? (o ? String(o.threshold) : '');
  const submit = (e: Event) => {
    e.preventDefault();
    void w.run((c) => {
      const list = c.take('admins-keys', 'Admin public keys', readKeyList(adminsText, { min: 1, max: ADMINS_MAX, what: 'admin key' }));
      const m = c.take('admins-threshold', 'Approvals needed', readRequiredInt(thresholdText, { min: 1, max: list?.length ?? ADMINS_MAX, what: 'how many admins must approve' }));
      const added = (list ?? []).filter((k) => !o?.admins.includes(k)).map((key) => ({ key, use: 'admin' as const }));
      const given = list ? c.take('admins-consents', 'Consents of the new admins', readConsents(consents, o?.id ?? '', added)) : undefined;
      return list && m !== undefined && given ? { op: { type: 'setAdmins', admins: list, threshold: m, ...(given.length ? { consents: given } : {}) }, done: `the admin keys are replaced (${m} of ${list.length})` } : undefined;
    }, () => setConsents(''));
  };
  return (
    <WriteForm id="admins-form" legend="Replace the admin keys" ctx={ctx} onSubmit={submit} outcome={<OutcomeRegion id="admins-outcome" outcome={w.outcome} />}>
      <p class="field-hint">The complete new list: keys left out stop being admins once the change runs. Keep your own key in the list unless you are handing over.</p>
      <Field id="admins-keys" label="Admin public keys, one per line" error={w.errors['admins-keys']}>
        {(a) => <textarea {...a} name="admins" class="input input-key" rows={3} spellcheck={false} value={adminsText} onInput={(e) => setAdmins((e.currentTarget as HTMLTextAreaElement).value)} />}
      </Field>
      <ConsentField id="admins-consents" label="Consents of the new admins (keys not yet admins), one per line" use="admin" org={o?.id ?? ''} value={consents} error={w.errors['admins-consents']} onInput={setConsents} />
      <Field id="admins-threshold" label="Approvals needed (m of n)" class="form-field-narrow" error={w.errors['admins-threshold']}>
        {(a) => <input {...a} name="threshold" class="input" type="number" min="1" max={String(ADMINS_MAX)} step="1" inputMode="numeric" value={thresholdText} onInput={(e) => setThreshold((e.currentTarget as HTMLInputElement).value)} />}
      </Field>
      <div class="form-actions">
        <button type="submit" class="button" aria-disabled={ctx.writer.busy ? 'true' : undefined}>
          Propose the new admin keys
        </button>
      </div>
    </WriteForm>
  );
}

function RotateForm(props: { ctx: FormContext }): JSX.Element {
  const { ctx } = props;
  const nodes = ctx.own?.organisation.nodes ?? [];
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [consent, setConsent] = useState('');
  const org = ctx.own?.organisation.id ?? '';
  const w = useOrgWrite(ctx, 'rotate-outcome');
  const submit = (e: Event) => {
    e.preventDefault();
    void w.run(
      (c) => {
        const f = from || c.fail('rotate-from', 'Current node key', 'Choose the node key to replace.');
        const t = c.take('rotate-to', 'New node key', readKey(to, 'the new node key'));
        if (f && t && f === t) return c.fail('rotate-to', 'New node key', 'The new key is the current one.');
        const given = t ? c.take('rotate-consent', 'Consent of the new node key', readConsents(consent, org, [{ key: t, use: 'node' }])) : undefined;
        return f && t && given ? { op: { type: 'rotateNode', from: f, to: t, consent: given[0]!.signature }, done: `node key ${shortHex(f)} is replaced by ${shortHex(t)}` } : undefined;
      },
      () => {
        setTo('');
        setConsent('');
      },
    );
  };
  return (
    <WriteForm id="rotate-form" legend="Rotate a node key" ctx={ctx} onSubmit={submit} outcome={<OutcomeRegion id="rotate-outcome" outcome={w.outcome} />}>
      <p class="field-hint">A validator’s new key signs blocks from two blocks after the change runs, with the same voting power. Start the node with the new key first.</p>
      <Field id="rotate-from" label="Current node key" error={w.errors['rotate-from']}>
        {(a) => (
          <select {...a} name="from" class="input" value={from} onChange={(e) => setFrom((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">— choose a node —</option>
            {nodes.map((k) => (
              <option value={k} key={k}>
                {shortHex(k)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field
        id="rotate-to"
        label="New node key"
        hint={
          <>
            64 hex digits: the public key of the node’s new <code>node-key.json</code>.
          </>
        }
        hintAfter
        error={w.errors['rotate-to']}
      >
        {(a) => <input {...a} name="to" class="input input-key" type="text" autocomplete="off" spellcheck={false} value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />}
      </Field>
      <ConsentField id="rotate-consent" label="Consent of the new node key" use="node" org={org} value={consent} error={w.errors['rotate-consent']} onInput={setConsent} />
      <div class="form-actions">
        <button type="submit" class="button" aria-disabled={ctx.writer.busy ? 'true' : undefined}>
          Rotate the node key
        </button>
      </div>
    </WriteForm>
  );
}

/** A write form: enabled only for an admin of an active organisation. */
function WriteForm(props: { id: string; legend: string; ctx: FormContext; onSubmit: (e: Event) => void; outcome: JSX.Element; children: ComponentChildren }): JSX.Element {
  const enabled = Boolean(props.ctx.session.adminOrg && props.ctx.own);
  return (
    <form id={props.id} class="console-form" noValidate onSubmit={props.onSubmit}>
      <fieldset class="write" disabled={!enabled} aria-busy={props.ctx.writer.busy ? 'true' : undefined}>
        <legend>{props.legend}</legend>
        {props.children}
        {props.outcome}
      </fieldset>
    </form>
  );
}

export function ManagePanel(props: FormContext & { editKey: { key: string; at: number } | null }): JSX.Element {
  const { editKey, ...ctx } = props;
  const o = ctx.own?.organisation;
  const enabled = Boolean(ctx.session.adminOrg && o);
  return (
    <Panel id="manage-title" title={enabled && o ? `Manage ${o.name}` : 'Manage your organisation'} sectionId="manage-panel">
      {enabled ? null : (
        <p class="write-hint" id="manage-hint">
          Use your admin key above to register officials, change their roles, or rotate keys. Every change is one transaction signed by you; it runs once your organisation’s threshold of admins has approved it.
        </p>
      )}
      <RegisterForm ctx={ctx} />
      <OfficialForm ctx={ctx} editKey={editKey} />
      <details class="more-forms">
        <summary>Admin keys and node keys</summary>
        <AdminsForm ctx={ctx} key={`admins-${ctx.keys.state.generation}`} />
        <RotateForm ctx={ctx} />
      </details>
    </Panel>
  );
}
