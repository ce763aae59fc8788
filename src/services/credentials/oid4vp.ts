/**
 * OpenID for Verifiable Presentations 1.0, as Polity's verifiers ask and
 * Polity's wallets answer (spec/services/credentials.md §11): the signed
 * request object, its DCQL query, the `openid4vp://` link, and the
 * `direct_post` response's fields.
 *
 * Why the `decentralized_identifier` client_id prefix with a signed request
 * object, and not `redirect_uri` (unsigned): a verifier on Polity is an
 * official whose Ed25519 key the chain lists under its organisation. The
 * official signs the request object with that key, and its client_id is
 * `decentralized_identifier:did:key:z6Mk…`; a wallet verifies the signature
 * with the key in the DID and then asks the chain which organisation the key
 * belongs to. "Who asks" is so proved without any certificate, and a node
 * that serves the request cannot change what is asked. `redirect_uri`
 * requests cannot be signed (OpenID4VP 1.0 §5.9.3), so a wallet would know
 * only the TLS origin; and independent wallets (@openid4vc/openid4vp) refuse
 * them by reference.
 *
 * Pure: signing takes the key, and time comes in as an argument.
 */
import { didKeyFromPublicKey, multikeyEncode } from '../../crypto/multikey.js';
import { signRaw, verifyBytes } from '../../crypto/ed25519.js';
import { utf8Encode } from '../../crypto/bytes.js';
import { askProblem, CLIENT_ID_PREFIX, dcqlQueryOf, PURPOSE_PARAM, readRequestObjectUnsigned, REQUEST_OBJECT_TYP, SELF_ISSUED_AUD, type PresentationAsk, type ReadRequest, type RequestObjectPayload } from './oid4vp-format.js';

export * from './oid4vp-format.js';

const b64url = (s: string | Uint8Array): string => Buffer.from(typeof s === 'string' ? utf8Encode(s) : s).toString('base64url');

export interface SignRequestInput {
  ask: PresentationAsk;
  /** The official's Ed25519 key (hex). */
  publicKey: string;
  secretKey: string;
  /** The node's response endpoint (`<origin>/v1/credentials/responses`). */
  responseUri: string;
  nonce: string;
  state: string;
  nowS: number;
  ttlS?: number;
  /** Shown to the holder beside the organisation the chain names (untrusted by wallets). */
  clientName?: string;
}

export const clientIdOfKey = (publicKey: string): string => CLIENT_ID_PREFIX + didKeyFromPublicKey(publicKey);

/** The signed request object of a verifying official (JAR, RFC 9101; OpenID4VP 1.0 §5). */
export function signRequestObject(p: SignRequestInput): { jwt: string; payload: RequestObjectPayload } {
  const wrong = askProblem(p.ask);
  if (wrong) throw new Error(`signRequestObject: ${wrong}`);
  const did = didKeyFromPublicKey(p.publicKey);
  const clientId = CLIENT_ID_PREFIX + did;
  const header = { alg: 'EdDSA', typ: REQUEST_OBJECT_TYP, kid: `${did}#${multikeyEncode(p.publicKey)}` };
  // No iss: OpenID4VP 1.0 does not need it, and wallets differ on its form (the client_id, or the bare DID).
  const payload: RequestObjectPayload = {
    aud: SELF_ISSUED_AUD,
    client_id: clientId,
    response_type: 'vp_token',
    response_mode: 'direct_post',
    response_uri: p.responseUri,
    nonce: p.nonce,
    state: p.state,
    dcql_query: dcqlQueryOf(p.ask),
    client_metadata: {
      vp_formats_supported: { 'dc+sd-jwt': { 'sd-jwt_alg_values': ['EdDSA'], 'kb-jwt_alg_values': ['EdDSA'] }, jwt_vc_json: { alg_values: ['EdDSA'] } },
      ...(p.clientName ? { client_name: p.clientName } : {}),
    },
    [PURPOSE_PARAM]: p.ask.purpose,
    iat: p.nowS,
    exp: p.nowS + (p.ttlS ?? 300),
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return { jwt: `${input}.${b64url(signRaw(p.secretKey, utf8Encode(input)))}`, payload };
}

/**
 * Read and check a request object (the node when an official files it, the
 * wallet when it fetches it): the checks of readRequestObjectUnsigned
 * (oid4vp-format.ts), and the EdDSA signature with the client_id's key.
 */
export function readRequestObject(jwt: unknown, nowS: number): ReadRequest | string {
  const read = readRequestObjectUnsigned(jwt, nowS);
  if (typeof read === 'string') return read;
  if (!verifyBytes(read.publicKey, utf8Encode(read.signingInput), read.signature)) return 'request object: the signature does not verify with the client_id key';
  return { payload: read.payload, ask: read.ask, publicKey: read.publicKey, did: read.did };
}
