/**
 * Page sizes of GET /v1/evidence, in a module of their own so that the web
 * page reads them too (it cannot import the schemas' TypeBox). A Byzantine
 * validator can sign without end, so the list is paged.
 */
export const EVIDENCE_PAGE_DEFAULT = 100;
export const EVIDENCE_PAGE_MAX = 500;
