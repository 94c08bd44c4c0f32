import { jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';

// The checks API Gateway's JWT authorizer makes, for the places that verify a bearer themselves:
// the local stand-in of that authorizer and the live channel's $connect authorizer (WebSocket
// APIs have no JWT authorizer).

// An explicit asymmetric list: `alg: none` and HMAC-with-the-public-key confusion are refused.
export const ACCEPTED_ALGORITHMS = ['RS256', 'ES256', 'PS256', 'EdDSA'];

export interface BearerSettings {
  issuer: string;
  audience: string | string[];
}

/** The verified payload, or undefined for any bad token (expired, wrong issuer, audience, key or algorithm). */
export async function verifyBearer(token: string, keys: JWTVerifyGetKey, settings: BearerSettings): Promise<JWTPayload | undefined> {
  try {
    const { payload } = await jwtVerify(token, keys, {
      issuer: settings.issuer,
      audience: settings.audience,
      algorithms: ACCEPTED_ALGORITHMS,
      requiredClaims: ['exp', 'sub'],
    });
    return payload;
  } catch {
    return undefined;
  }
}

/** A compact JWS: three base64url parts. */
export const COMPACT_JWT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
