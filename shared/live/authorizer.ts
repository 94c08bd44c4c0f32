import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { COMPACT_JWT, verifyBearer, type BearerSettings } from '../auth/bearer';

// The live channel's $connect authorizer (deployed): WebSocket APIs have no JWT authorizer, so
// this does what the HTTP API's does, with the same issuer, audience and key checks. API Gateway
// caches no WebSocket authorizer result, so the container caches a verified token itself.

/** Longest a verified token is trusted without a new check (never past its `exp`). */
export const CACHE_SECONDS = 300;
const CACHE_ENTRIES = 1000;
/** API Gateway's own limit on a request line is 10 KiB; a longer token is refused outright. */
const MAX_TOKEN_BYTES = 10 * 1024;

type Verified = { sub: string; exp: number };

export interface ConnectAuthorizerOptions extends BearerSettings {
  /** Keys of the issuer; by default found as API Gateway's JWT authorizer does, via OIDC discovery. */
  keys?: JWTVerifyGetKey;
  fetchImpl?: typeof fetch;
  now?: () => number;
}

/** `${issuer}/.well-known/openid-configuration` names the JWKS: the discovery API Gateway's JWT authorizer uses. */
export function discoveredKeys(issuer: string, fetchImpl: typeof fetch = fetch): JWTVerifyGetKey {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const load = async () => {
    const response = await fetchImpl(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`, {
      signal: AbortSignal.timeout(3000),
    });
    if (!response.ok) throw new Error(`OIDC discovery answered ${response.status}`);
    const { jwks_uri: jwksUri } = (await response.json()) as { jwks_uri?: unknown };
    if (typeof jwksUri !== 'string') throw new Error('OIDC discovery has no jwks_uri');
    return createRemoteJWKSet(new URL(jwksUri));
  };
  return async (header, token) => {
    keys ??= load().catch((error: unknown) => {
      keys = undefined; // A failed discovery is retried by the next connect.
      throw error;
    });
    return (await keys)(header, token);
  };
}

export class Unauthorized extends Error {
  // API Gateway answers 401 exactly when an authorizer fails with this message.
  constructor() {
    super('Unauthorized');
  }
}

export function connectAuthorizer(options: ConnectAuthorizerOptions) {
  const keys = options.keys ?? discoveredKeys(options.issuer, options.fetchImpl);
  const now = options.now ?? (() => Math.floor(Date.now() / 1000));
  const cache = new Map<string, Verified & { until: number }>();

  async function verify(token: string): Promise<Verified | undefined> {
    const cached = cache.get(token);
    if (cached && cached.until > now()) return cached;
    cache.delete(token);
    const payload = await verifyBearer(token, keys, options);
    if (!payload || typeof payload.sub !== 'string' || typeof payload.exp !== 'number') return undefined;
    if (cache.size >= CACHE_ENTRIES) cache.delete(cache.keys().next().value as string);
    const verified = { sub: payload.sub, exp: payload.exp };
    cache.set(token, { ...verified, until: Math.min(payload.exp, now() + CACHE_SECONDS) });
    return verified;
  }

  return {
    /** How many tokens the container holds verified (tests check the cache). */
    cacheSize: () => cache.size,
    async authorize(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
      const token = event.queryStringParameters?.token;
      if (!token || Buffer.byteLength(token) > MAX_TOKEN_BYTES || !COMPACT_JWT.test(token)) throw new Unauthorized();
      const verified = await verify(token);
      if (!verified) throw new Unauthorized();
      return {
        principalId: verified.sub,
        policyDocument: {
          Version: '2012-10-17',
          Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }],
        },
        // $connect reads the user from here; exp bounds how long the connection is kept.
        context: { sub: verified.sub, exp: verified.exp },
      };
    },
  };
}
