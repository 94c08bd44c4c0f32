import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { unauthorized } from '../errors';
import { USER_ID_PATTERN } from '../schemas/ids';

// The one auth path: API Gateway's JWT authorizer (or, locally, infra/local/authorizer.ts playing
// its part) has verified the bearer; a function only reads the claims it put in the context.

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

/** The caller from the verified claims in the request context; 401 when there are none. */
export function callerFromAuthorizer(event: APIGatewayProxyEventV2WithJWTAuthorizer, rolesClaim: string): Caller {
  const claims = event.requestContext?.authorizer?.jwt?.claims;
  if (!claims || typeof claims !== 'object') throw unauthorized();
  return callerFromClaims(claims, rolesClaim);
}
