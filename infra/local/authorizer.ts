import { createLocalJWKSet, type JSONWebKeySet, type JWTPayload } from 'jose';
import { verifyBearer } from '../../shared/auth/bearer';

// The local stand-in for API Gateway's JWT authorizer: the local server and the test harness verify
// the bearer here and hand the function the claims exactly as API Gateway would. Deployed functions
// never load this module (a test checks their bundles hold no jose verification code).

/** Bearers longer than this are refused with 401 (API Gateway's own header limit is lower, 10 KiB). */
export const MAX_BEARER_BYTES = 16 * 1024;

export interface AuthorizerSettings {
  issuer: string;
  audience: string;
  jwks: JSONWebKeySet;
}

export interface AuthorizerContext {
  claims: Record<string, string>;
  scopes: string[] | null;
}

/** API Gateway's rendering of a claim value: arrays as "[a b]", objects as "map[k:v]", the rest as text. */
export function flattenClaim(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(flattenClaim).join(' ')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `map[${entries.map(([key, item]) => `${key}:${flattenClaim(item)}`).join(' ')}]`;
  }
  return String(value);
}

export function flattenClaims(payload: JWTPayload): AuthorizerContext {
  const claims = Object.fromEntries(Object.entries(payload).map(([name, value]) => [name, flattenClaim(value)]));
  const scope = payload.scope ?? payload.scp;
  const scopes = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : Array.isArray(scope) ? scope.map(String) : null;
  return { claims, scopes };
}

/** RFC 7235: the scheme is case-insensitive. */
const BEARER = /^bearer[ \t]+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)[ \t]*$/i;

export function localAuthorizer(settings: AuthorizerSettings) {
  const keys = createLocalJWKSet(settings.jwks);
  /** The authorizer context for a valid bearer, or undefined (API Gateway would answer 401). */
  return async function authorize(header: string | undefined): Promise<AuthorizerContext | undefined> {
    if (!header || Buffer.byteLength(header) > MAX_BEARER_BYTES) return undefined;
    const token = BEARER.exec(header)?.[1];
    if (!token) return undefined;
    const payload = await verifyBearer(token, keys, settings);
    return payload ? flattenClaims(payload) : undefined;
  };
}

export type Authorize = ReturnType<typeof localAuthorizer>;
