/**
 * Templates: the credential types a government issues most, ready to be
 * proposed (`polity credential propose define-type --template diploma`).
 *
 * A template is only a starting point for a governance decision: it becomes
 * a credential type like any other, by a `defineType` the consortium votes
 * on. What a template adds is what is easy to get wrong by hand: realistic
 * claims with their JSON Schema, and *who* may issue it — the kind of
 * organisation (a diploma comes from a university, a driving licence from a
 * transport authority). The kind is enforced on the chain: accrediting an
 * organisation of another kind, or issuing once its kind was removed, is
 * CREDENTIALS_ORG_KIND.
 *
 * Dates are `YYYY-MM-DD` strings (patterns, not ajv's `format`, which would
 * need a formats plugin); countries ISO 3166-1 alpha-2. No schema allows
 * other claims than the ones it names (`additionalProperties: false`), so a
 * credential never carries more personal data than its type declares.
 *
 * Pure data.
 */
import type { Json } from '../../crypto/canonical-json.js';

export interface Template {
  /** The template's own name, used on the command line. */
  template: string;
  /** The credential type it defines (its default name). */
  name: string;
  title: string;
  /** Organisations of any of these kinds may issue it. */
  issuerKinds: string[];
  schema: { [key: string]: Json };
}

const DATE = { type: 'string', pattern: '^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$' };
const NAME = { type: 'string', minLength: 1, maxLength: 100 };
const HOLDER = { type: 'string', pattern: '^did:[a-z0-9]+:[A-Za-z0-9._:%-]{1,200}$' };
const ADDRESS = {
  type: 'object',
  properties: {
    streetAddress: { type: 'string', minLength: 1, maxLength: 200 },
    postalCode: { type: 'string', minLength: 1, maxLength: 16 },
    locality: NAME,
    region: NAME,
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
  },
  required: ['streetAddress', 'locality', 'country'],
  additionalProperties: false,
};

export const TEMPLATES: readonly Template[] = [
  {
    template: 'diploma',
    name: 'UniversityDiploma',
    title: 'University diploma',
    issuerKinds: ['university'],
    schema: {
      type: 'object',
      properties: {
        id: HOLDER,
        givenName: NAME,
        familyName: NAME,
        birthDate: DATE,
        degree: { type: 'string', enum: ['Bachelor', 'Master', 'Doctorate', 'Diploma', 'Certificate'] },
        title: { type: 'string', minLength: 1, maxLength: 200 },
        fieldOfStudy: { type: 'string', minLength: 1, maxLength: 200 },
        eqfLevel: { type: 'integer', minimum: 5, maximum: 8 },
        awardedOn: DATE,
        grade: { type: 'string', maxLength: 50 },
        ects: { type: 'integer', minimum: 0, maximum: 600 },
      },
      required: ['id', 'givenName', 'familyName', 'degree', 'title', 'awardedOn'],
      additionalProperties: false,
    },
  },
  {
    template: 'business-licence',
    name: 'BusinessLicence',
    title: 'Business licence',
    issuerKinds: ['business-registry', 'commerce-authority'],
    schema: {
      type: 'object',
      properties: {
        id: HOLDER,
        legalName: { type: 'string', minLength: 1, maxLength: 200 },
        registrationNumber: { type: 'string', pattern: '^[A-Za-z0-9./-]{1,40}$' },
        legalForm: { type: 'string', minLength: 1, maxLength: 60 },
        vatNumber: { type: 'string', pattern: '^[A-Z]{2}[A-Za-z0-9]{2,13}$' },
        // NACE Rev. 2 activity codes: a section letter, or a class such as "J62.01".
        activities: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string', pattern: '^[A-U]([0-9]{2}(\\.[0-9]{1,2})?)?$' } },
        registeredOffice: ADDRESS,
        licensedOn: DATE,
      },
      required: ['id', 'legalName', 'registrationNumber', 'activities', 'registeredOffice', 'licensedOn'],
      additionalProperties: false,
    },
  },
  {
    template: 'driving-licence',
    name: 'DrivingLicence',
    title: 'Driving licence',
    issuerKinds: ['transport-authority'],
    schema: {
      type: 'object',
      properties: {
        id: HOLDER,
        givenName: NAME,
        familyName: NAME,
        birthDate: DATE,
        licenceNumber: { type: 'string', pattern: '^[A-Za-z0-9-]{1,32}$' },
        issuedOn: DATE,
        expiresOn: DATE,
        // Directive 2006/126/EC categories, each with its dates and harmonised restriction codes.
        categories: {
          type: 'array',
          minItems: 1,
          maxItems: 16,
          items: {
            type: 'object',
            properties: {
              category: { type: 'string', enum: ['AM', 'A1', 'A2', 'A', 'B1', 'B', 'BE', 'C1', 'C1E', 'C', 'CE', 'D1', 'D1E', 'D', 'DE'] },
              issuedOn: DATE,
              expiresOn: DATE,
              restrictions: { type: 'array', maxItems: 16, items: { type: 'string', pattern: '^[0-9]{2}(\\.[0-9]{2})?$' } },
            },
            required: ['category', 'issuedOn'],
            additionalProperties: false,
          },
        },
      },
      required: ['id', 'givenName', 'familyName', 'birthDate', 'licenceNumber', 'issuedOn', 'expiresOn', 'categories'],
      additionalProperties: false,
    },
  },
  {
    template: 'residence',
    name: 'ProofOfResidence',
    title: 'Proof of residence',
    issuerKinds: ['municipality', 'civil-registry'],
    schema: {
      type: 'object',
      properties: {
        id: HOLDER,
        givenName: NAME,
        familyName: NAME,
        birthDate: DATE,
        address: ADDRESS,
        residentSince: DATE,
        municipalityCode: { type: 'string', pattern: '^[A-Za-z0-9]{1,12}$' },
      },
      required: ['id', 'givenName', 'familyName', 'address', 'residentSince'],
      additionalProperties: false,
    },
  },
];

export function templateOf(name: string): Template | undefined {
  return TEMPLATES.find((t) => t.template === name);
}

/** The governance decision that defines a type from a template (another name may be given: names are never reused). */
export function defineTypeDecision(t: Template, name = t.name): Json {
  return { type: 'defineType', name, title: t.title, schema: t.schema, issuerKinds: t.issuerKinds, template: t.template };
}
