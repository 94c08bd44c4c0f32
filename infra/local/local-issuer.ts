import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// The local stand-in for the platform's identity provider: an ES256 key made at first start,
// kept in DATA_DIR, its public half served as a JWKS. Deployed stages never have it.

export const LOCAL_AUDIENCE = 'jitsi-calls-local';
/** Stable across restarts and ports, so a token survives a restart of the dev server. */
export const LOCAL_ISSUER = 'urn:jitsi-calls:local-issuer';
export const LOCAL_TOKEN_TTL_SECONDS = 3600;

export interface LocalIssuer {
  issuer: string;
  audience: string;
  jwks: { keys: JWK[] };
  sign(
    claims: { sub: string; name?: string; email?: string; roles?: string[] },
    options?: { ttlSeconds?: number; nowSeconds?: number },
  ): Promise<string>;
}

async function createKeyFile(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'ES256', use: 'sig' };
}

export async function localIssuer(issuer: string, options: { keyFile?: string } = {}): Promise<LocalIssuer> {
  let privateJwk: JWK;
  if (options.keyFile && existsSync(options.keyFile)) {
    privateJwk = JSON.parse(readFileSync(options.keyFile, 'utf8')) as JWK;
  } else {
    privateJwk = await createKeyFile();
    if (options.keyFile) writeFileSync(options.keyFile, JSON.stringify(privateJwk), { mode: 0o600 });
  }
  const { d: _private, ...publicJwk } = privateJwk;
  const key = await importJWK(privateJwk, 'ES256');
  return {
    issuer,
    audience: LOCAL_AUDIENCE,
    jwks: { keys: [publicJwk] },
    async sign(claims, { ttlSeconds = LOCAL_TOKEN_TTL_SECONDS, nowSeconds = Math.floor(Date.now() / 1000) } = {}) {
      return new SignJWT({ ...claims, roles: claims.roles ?? [] })
        .setProtectedHeader({ alg: 'ES256', kid: publicJwk.kid as string, typ: 'JWT' })
        .setIssuer(issuer)
        .setAudience(LOCAL_AUDIENCE)
        .setSubject(claims.sub)
        .setIssuedAt(nowSeconds)
        .setExpirationTime(nowSeconds + ttlSeconds)
        .sign(key);
    },
  };
}

export function ensureDir(path: string): string {
  mkdirSync(path, { recursive: true });
  return path;
}

export const dataFile = (dataDir: string, name: string) => join(ensureDir(dataDir), name);
