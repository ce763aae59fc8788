/**
 * What the organisation console and the governance page share: the
 * consortium as the chain has it now (organisations, governance parameters,
 * the modules and roles, the validator set in force), and the admin session
 * — a key loaded in the key panel, looked up on the chain, and the
 * organisation it is an admin of.
 *
 * Everything is checked again on chain: the pages only enable what the chain
 * will allow, they do not decide it.
 */
import type { JSX } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ORG_ERRORS } from './errors.js';
import { GOV_ERRORS } from '../gov/errors.js';
import { VALIDATORS_ERRORS } from '../validators/errors.js';
import { getJson } from '../../../web/lib/api.js';
import type { MemberResponse, ModulesResponse, Organisation, OrgsResponse, Validator, ValidatorSetsResponse } from '../../../web/lib/api-types.js';
import { plural } from '../../../web/lib/format.js';
import { useTick } from '../../../web/lib/status.js';
import { KeyPanel, type SigningKeys } from '../../../web/components/key-panel.js';
import { Hash } from '../../../web/components/ui.js';

/** What a refused write's code means, for the codes of the services these pages write to. */
export const ERROR_MEANINGS = { ...ORG_ERRORS, ...GOV_ERRORS, ...VALIDATORS_ERRORS };

export interface Consortium {
  height: number;
  orgs: Organisation[];
  /** gov/params as the API answers them (votingSeconds always present). */
  governance: OrgsResponse['governance'];
  /** The modules the chain runs and the roles officials can hold (GET /v1/modules), once read. */
  catalogue: ModulesResponse | null;
  validators: Validator[];
}

export interface ConsortiumView extends Consortium {
  loaded: boolean;
  error: unknown;
  refresh(): Promise<void>;
  orgById(id: string): Organisation | undefined;
  orgName(id: string): string;
  activeOrgs(): Organisation[];
  /** Module names: the chain's list, or those the organisations hold until it arrives. */
  moduleNames(): string[];
  /** Organisations that must approve a proposal: the configured share of the active ones. */
  approvalsNeeded(): number;
}

/** The consortium, read now and on every tick. */
export function useConsortium(): ConsortiumView {
  const [state, setState] = useState<Consortium & { loaded: boolean; error: unknown }>({ height: 0, orgs: [], governance: null, catalogue: null, validators: [], loaded: false, error: undefined });
  const refresh = useCallback(async () => {
    try {
      const [orgs, catalogue, sets] = await Promise.all([
        getJson<OrgsResponse>('/v1/orgs'),
        getJson<ModulesResponse>('/v1/modules').catch(() => null),
        getJson<ValidatorSetsResponse>('/v1/validator-sets'),
      ]);
      setState((s) => ({ height: orgs.height, orgs: orgs.organisations, governance: orgs.governance, catalogue: s.catalogue ?? catalogue, validators: sets.current.validators, loaded: true, error: undefined }));
    } catch (error) {
      setState((s) => ({ ...s, loaded: true, error }));
    }
  }, []);
  useEffect(() => void refresh(), []);
  useTick(refresh);
  const orgById = (id: string) => state.orgs.find((o) => o.id === id);
  const activeOrgs = () => state.orgs.filter((o) => o.status === 'active');
  return {
    ...state,
    refresh,
    orgById,
    orgName: (id) => orgById(id)?.name ?? id,
    activeOrgs,
    moduleNames: () => (state.catalogue ? state.catalogue.modules.map((m) => m.name) : [...new Set(state.orgs.flatMap((o) => o.permissions))]).sort(),
    approvalsNeeded: () => {
      const g = state.governance;
      const n = activeOrgs().length;
      return g ? Math.ceil((n * g.approvalNumerator) / g.approvalDenominator) : n;
    },
  };
}

export interface AdminSession {
  /** Who the key in use is, once looked up (null while there is no key, or while looking). */
  member: MemberResponse | null;
  /** The organisation the key is an admin of, when it is an admin of an active one. */
  adminOrg: string | null;
  refreshMember(): Promise<void>;
}

/** Look the key in use up on the chain: whose admin it is. */
export function useAdminSession(keys: SigningKeys, consortium: ConsortiumView): AdminSession {
  const { key, generation } = keys.state;
  const [member, setMember] = useState<{ generation: number; member: MemberResponse } | null>(null);
  const refreshMember = useCallback(async () => {
    if (!key) return;
    const m = await getJson<MemberResponse>(`/v1/members/${key.publicKey}`);
    setMember({ generation, member: m });
  }, [key, generation]);
  useEffect(() => {
    setMember(null);
    void refreshMember().catch(() => undefined);
  }, [refreshMember]);
  const current = key && member?.generation === generation ? member.member : null;
  const org = current?.admin && current.org ? consortium.orgById(current.org) : undefined;
  return { member: current, adminOrg: org && org.status === 'active' ? org.id : null, refreshMember };
}

/** The key panel of the admin pages: load an admin key file; the panel says whose admin it is. */
export function AdminKeyPanel(props: { keys: SigningKeys; session: AdminSession; consortium: ConsortiumView }): JSX.Element {
  const { keys, session, consortium } = props;
  const key = keys.state.key;
  let inUse: JSX.Element | undefined;
  if (key && session.member) {
    const m = session.member;
    const own = session.adminOrg ? consortium.orgById(session.adminOrg) : undefined;
    if (own) {
      inUse = (
        <div class="signed-in" data-key-state="admin">
          <p class="notice-title" id="signed-in-as">
            Signed in as an admin of {own.name}
          </p>
          <p class="tight">
            Key <Hash value={key.publicKey} short /> · {own.threshold} of {plural(own.admins.length, 'admin')} of {own.name} must approve each change.
          </p>
        </div>
      );
    } else {
      let why: string;
      if (m.org && !m.admin) why = `It is the key of an official of ${consortium.orgName(m.org)} (roles: ${m.roles.join(', ') || 'none'}), not of an admin.`;
      else if (m.nodeOf) why = `It is a node key of ${consortium.orgName(m.nodeOf)}; nodes sign blocks, admins sign changes.`;
      else why = 'This chain does not know it as an admin of an active member organisation (it may never have been one, or its organisation was removed, or its admin keys were replaced).';
      inUse = (
        <div class="notice notice-error" data-key-state="not-admin" id="not-admin">
          <p class="notice-title">This key is not an admin of an active organisation</p>
          <p>
            Key <Hash value={key.publicKey} short />. {why}
          </p>
          <p class="tight">You can still read everything here; changes stay disabled. Choose another key file, or ask your organisation’s admins.</p>
        </div>
      );
    }
  }
  return (
    <KeyPanel
      keys={keys}
      title="Act as an organisation admin"
      label="Use my admin key"
      hint={
        <>
          Your key file, usually <code>admin-key.json</code>
        </>
      }
      privacy={
        <>
          <strong>Your key never leaves this computer.</strong> The key file is read here, in your browser, only to sign the changes you make. It is not uploaded and not stored: it is forgotten when you close or reload this page, or press “Forget key”.
        </>
      }
      inUse={inUse}
      hideChooser={Boolean(session.adminOrg)}
      create={{ label: 'Make a new key in this browser', hint: 'for a new official or admin: save its file, and give your admin its public key.' }}
    />
  );
}
