/**
 * Polity as a "local implementation" for W3C's VC conformance suites
 * (w3c/vc-test-suite-implementations reads this file from APP_ROOT_PATH,
 * which conformance/run.sh points at this folder; testAllImplementations
 * false means only Polity is tested, never the public implementations).
 *
 * run.sh exports POLITY_BASE_URL (the node on loopback it started) and
 * POLITY_ISSUER_DID (the issuer the suites put into credentials they ask the
 * node to issue). The tags select the suites' tests:
 *   vc2.0                                   — vc-data-model-2.0-test-suite
 *   eddsa-jcs-2022                          — vc-di-eddsa-test-suite (JCS only: Polity does not do eddsa-rdfc-2022)
 *   BitstringStatusList, Revocation, Suspension — vc-bitstring-status-list-test-suite
 */
const baseUrl = process.env.POLITY_BASE_URL || 'http://127.0.0.1:8080';
const issuerDid = process.env.POLITY_ISSUER_DID || 'did:key:unset';
const tags = ['vc2.0', 'eddsa-jcs-2022', 'BitstringStatusList', 'Revocation', 'Suspension'];
// Extra request options Polity's issuing desk reads (the credential type to record); the
// suites pass an endpoint's `options` through in every request body.
const issueOptions = process.env.POLITY_ISSUE_OPTIONS ? JSON.parse(process.env.POLITY_ISSUE_OPTIONS) : {};

module.exports = {
  settings: { enableInteropTests: false, testAllImplementations: false },
  implementations: [{
    name: 'Polity',
    implementation: 'Polity node (VC API)',
    issuers: [{ id: issuerDid, endpoint: `${baseUrl}/credentials/issue`, supports: { vc: ['2.0'] }, options: issueOptions, tags }],
    verifiers: [{ id: issuerDid, endpoint: `${baseUrl}/credentials/verify`, supports: { vc: ['2.0'] }, tags }],
    vpVerifiers: [{ id: issuerDid, endpoint: `${baseUrl}/presentations/verify`, supports: { vc: ['2.0'] }, tags }],
  }],
};
