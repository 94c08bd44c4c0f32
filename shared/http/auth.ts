import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import type { Config } from '../config';
import { unauthorized } from '../errors';
import { USER_ID_PATTERN } from '../schemas/ids';

export interface Caller {
  userId: string;
  name?: string | undefined;
  email?: string | undefined;
  avatar?: string | undefined;
  roles: ReadonlySet<string>;
  isAdmin: boolean;
}

type ClaimValue = string | number | boolean | string[] | undefined | unknown;

// API Gateway's JWT authorizer flattens array claims into strings such as "[admin student]".
export function parseRolesClaim(value: ClaimValue): string[] {
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string');
  if (typeof value !== 'string') return [];
  const trimmed = value.trim();
  if (trimmed.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(trimmed);
      if (Array.isArray(parsed)) return parsed.filter((role): role is string => typeof role === 'string');
    } catch {
      // Not JSON: the authorizer's "[a b]" form.
    }
    return trimmed
      .slice(1, -1)
      .split(/[\s,]+/)
      .filter(Boolean);
  }
  return trimmed.split(/[\s,]+/).filter(Boolean);
}

const optionalString = (value: ClaimValue) => (typeof value === 'string' && value.length > 0 ? value : undefined);

export function callerFromClaims(claims: Record<string, ClaimValue>, rolesClaim: string): Caller {
  const sub = claims.sub;
  if (typeof sub !== 'string' || !USER_ID_PATTERN.test(sub)) throw unauthorized('The token has no usable subject.');
  const roles = new Set(parseRolesClaim(claims[rolesClaim]));
  return {
    userId: sub,
    name: optionalString(claims.name),
    email: optionalString(claims.email),
    avatar: optionalString(claims.picture),
    roles,
    isAdmin: roles.has('admin'),
  };
}

type KeySet = ReturnType<typeof createLocalJWKSet> | ReturnType<typeof createRemoteJWKSet>;
let keySet: KeySet | undefined;

function jwksFor(config: Config): KeySet {
  keySet ??= config.AUTH_JWKS
    ? createLocalJWKSet(JSON.parse(config.AUTH_JWKS))
    : createRemoteJWKSet(new URL(config.AUTH_JWKS_URL as string));
  return keySet;
}

export function resetAuthForTests(): void {
  keySet = undefined;
}

const ACCEPTED_ALGORITHMS = ['RS256', 'ES256', 'PS256', 'EdDSA'];

/** Deployed: the claims API Gateway's JWT authorizer verified. Locally: the bearer, verified here. */
export async function authenticate(event: APIGatewayProxyEventV2WithJWTAuthorizer, config: Config): Promise<Caller> {
  if (config.AUTH_MODE === 'authorizer') {
    const claims = event.requestContext?.authorizer?.jwt?.claims;
    if (!claims) throw unauthorized();
    return callerFromClaims(claims, config.ROLES_CLAIM);
  }
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const match = header?.match(/^Bearer\s+([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)$/);
  if (!match?.[1]) throw unauthorized();
  let payload: JWTPayload;
  try {
    // An explicit asymmetric list: `alg: none` and HMAC-with-the-public-key confusion are refused.
    ({ payload } = await jwtVerify(match[1], jwksFor(config), {
      issuer: config.AUTH_ISSUER,
      audience: config.AUTH_AUDIENCE,
      algorithms: ACCEPTED_ALGORITHMS,
      requiredClaims: ['exp', 'sub'],
    }));
  } catch {
    throw unauthorized('The bearer token is invalid or expired.');
  }
  return callerFromClaims(payload as Record<string, ClaimValue>, config.ROLES_CLAIM);
}
