/**
 * Is a 32-byte public key an Ed25519 point (RFC 8032 §5.1.3 decoding)?
 * Pure arithmetic on BigInt, no node:crypto: the did module and the web
 * pages check keys with it too.
 */
/*
 * Is a public key a point of the curve? node:crypto imports any 32 bytes as
 * an Ed25519 key (verification then fails), so a key that is no point at all
 * — a typo, a truncated copy, an X25519 key — would be accepted where keys
 * are taken in and fail only when it is used. Decoding as RFC 8032 §5.1.3
 * does tells them apart: y below p, and x² = (y² − 1)/(d·y² + 1) has a root.
 * Points of small order (the eight encodings below: the identity and its
 * torsion companions) are points, but no secret key makes them: refused too.
 */
const P = 2n ** 255n - 19n;
const D = (-121665n * modInverse(121666n)) % P;
const SQRT_M1 = modPow(2n, (P - 1n) / 4n);
const SMALL_ORDER = new Set([
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
]);

function mod(a: bigint): bigint {
  const r = a % P;
  return r >= 0n ? r : r + P;
}
function modPow(base: bigint, exp: bigint): bigint {
  let r = 1n;
  let b = mod(base);
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
  }
  return r;
}
function modInverse(a: bigint): bigint {
  return modPow(a, P - 2n);
}

/** Why a 32-byte public key (hex) is not a usable Ed25519 point, or undefined when it is one. */
export function ed25519PointProblem(publicKey: string): string | undefined {
  if (!/^[0-9a-f]{64}$/.test(publicKey)) return 'expected 64 lowercase hex digits';
  if (SMALL_ORDER.has(publicKey)) return 'a point of small order, which no secret key makes';
  // Little-endian y with the sign of x in the top bit of the last byte.
  const last = parseInt(publicKey.slice(62, 64), 16);
  const sign = last >> 7;
  let bigEndian = (last & 0x7f).toString(16).padStart(2, '0');
  for (let i = 60; i >= 0; i -= 2) bigEndian += publicKey.slice(i, i + 2);
  const y = BigInt('0x' + bigEndian);
  if (y >= P) return 'not a point of the curve (y is not below p)';
  const y2 = (y * y) % P;
  const u = mod(y2 - 1n);
  const v = mod(D * y2 + 1n);
  // x = u·v³·(u·v⁷)^((p−5)/8), then fixed by √−1 or no root (RFC 8032 §5.1.3 step 3).
  const v3 = (v * v * v) % P;
  let x = (u * v3 * modPow(u * v3 * v3 * v, (P - 5n) / 8n)) % P;
  const vx2 = (v * x * x) % P;
  if (vx2 !== u) {
    if (vx2 !== mod(-u)) return 'not a point of the curve';
    x = (x * SQRT_M1) % P;
  }
  if (x === 0n && sign === 1) return 'not a point of the curve (x is 0 with the sign bit set)';
  return undefined;
}

/** Whether a public key (hex) is an Ed25519 point a secret key can have: on the curve, canonical, not of small order. */
export function isEd25519Point(publicKey: string): boolean {
  return ed25519PointProblem(publicKey) === undefined;
}
