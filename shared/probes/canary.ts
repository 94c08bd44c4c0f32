import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { decodeProtectedHeader, jwtVerify, type JWTPayload } from 'jose';
import { getConfig, type Config } from '../config';
import { mintTokenFor } from '../domain/join-info';
import { AppError } from '../errors';
import type { Caller } from '../http/auth';
import { NO_FEATURES, NOT_BEFORE_SKEW_SECONDS, type MintedToken } from '../jitsi/token';
import { getSecretsProvider, selectSecretsProvider, type JitsiSigningKey } from '../secrets/provider';
import type { CheckOutcome } from './run-check';

// The JWT canary: a token minted by join's own code (mintTokenFor, the cached signing key every
// warm function holds) is verified against a key read independently of that cache:
// - RS256 with JITSI_JWT_PUBLIC_KEY: the public key Jitsi trusts. A private key that does not
//   match it (every join rejected) is caught here.
// - Otherwise the key read fresh from its source (Secrets Manager deployed, env locally). A
//   rotation that the cache has not picked up yet is caught; a secret changed only in prosody
//   (HS256 app_secret) is invisible to the backend and cannot be.
// Either way the claims Jitsi checks are verified: typ, alg, kid, aud, iss, sub, room,
// nbf = iat - 30, exp. Details name settings, never values.

export const CANARY_ROOM = 'health-probe-canary';
const CANARY_CALLER: Caller = { userId: 'health-probe', name: 'Health probe', roles: new Set(), isAdmin: false };
const MAX_TOKEN_LIFETIME_SECONDS = 3600;

type CanaryConfig = Pick<
  Config,
  | 'JITSI_JWT_ALG'
  | 'JITSI_JWT_AUDIENCE'
  | 'JITSI_APP_ID'
  | 'JITSI_DOMAIN'
  | 'JITSI_JAAS'
  | 'JITSI_TOKEN_TTL_SECONDS'
  | 'JITSI_JWT_PUBLIC_KEY'
>;

export interface JwtCanaryOptions {
  config: CanaryConfig;
  /** Mints exactly as join does. */
  mint: (room: string, nowMs: number) => Promise<MintedToken>;
  /** The key the mint used (the cached one), to tell a propagating rotation from a bad key. */
  signingKey: () => Promise<JitsiSigningKey>;
  /** The same key read past every cache. */
  freshKey: () => Promise<JitsiSigningKey>;
  now?: () => number;
}

/** The canary the scheduled Jitsi probe runs: join's minting against a fresh read of the key. */
export function configuredJwtCanary(): (signal: AbortSignal) => Promise<CheckOutcome> {
  const config = getConfig();
  return jwtCanary({
    config,
    mint: (room, nowMs) => mintTokenFor(CANARY_CALLER, room, { kind: 'member', features: NO_FEATURES }, nowMs),
    signingKey: () => getSecretsProvider().jitsiSigningKey(),
    // A new provider has an empty cache: one Secrets Manager read per probe run.
    freshKey: () => selectSecretsProvider(config).jitsiSigningKey(),
  });
}

export function jwtCanary(options: JwtCanaryOptions): (signal: AbortSignal) => Promise<CheckOutcome> {
  const now = options.now ?? Date.now;
  return async () => {
    const { config } = options;
    const nowMs = now();
    let minted: MintedToken;
    let fresh: JitsiSigningKey;
    try {
      [minted, fresh] = await Promise.all([options.mint(CANARY_ROOM, nowMs), options.freshKey()]);
    } catch (error) {
      return {
        ok: false,
        detail: `The Jitsi signing key could not be read or used to sign (${errorLabel(error)}): check JITSI_JWT_SECRET, JITSI_JWT_PRIVATE_KEY or JITSI_SECRET_ARN`,
      };
    }

    const trustedPem = config.JITSI_JWT_ALG === 'RS256' ? config.JITSI_JWT_PUBLIC_KEY : undefined;
    const trusted = trustedPem !== undefined;
    let verifyKey: KeyObject | Uint8Array;
    try {
      verifyKey = trustedPem === undefined ? verificationKeyOf(fresh) : createPublicKey(trustedPem);
    } catch (error) {
      return {
        ok: false,
        detail: `The ${trusted ? 'JITSI_JWT_PUBLIC_KEY' : 'current signing key'} is not a usable ${config.JITSI_JWT_ALG} key (${errorLabel(error)})`,
      };
    }

    const header = decodeProtectedHeader(minted.token);
    if (header.typ !== 'JWT') return { ok: false, detail: 'The canary token has no typ "JWT" header: Jitsi rejects such tokens' };
    if (header.alg !== config.JITSI_JWT_ALG)
      return { ok: false, detail: 'The canary token is signed with another algorithm than JITSI_JWT_ALG' };
    if (fresh.alg === 'RS256') {
      const expectedKid = config.JITSI_JAAS ? `${config.JITSI_APP_ID}/${fresh.kid}` : fresh.kid;
      if (header.kid !== expectedKid) {
        return {
          ok: false,
          detail:
            "The canary token's kid differs from the current key id (the secret's kid or JITSI_JWT_KID): Jitsi would look up the wrong public key",
        };
      }
    }

    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(minted.token, verifyKey, {
        algorithms: [config.JITSI_JWT_ALG],
        typ: 'JWT',
        audience: config.JITSI_JWT_AUDIENCE,
        issuer: config.JITSI_JAAS ? 'chat' : config.JITSI_APP_ID,
        subject: config.JITSI_JAAS ? config.JITSI_APP_ID : config.JITSI_DOMAIN,
        currentDate: new Date(nowMs),
      }));
    } catch (error) {
      return { ok: false, detail: await explainVerifyFailure(error, minted.token, nowMs, trusted, options.signingKey) };
    }
    const claimProblem = checkClaims(payload, config);
    if (claimProblem) return { ok: false, detail: claimProblem };
    const against = trusted ? 'JITSI_JWT_PUBLIC_KEY (the key Jitsi trusts)' : 'the signing key read fresh from its source';
    return {
      ok: true,
      detail: `A token minted as join mints it (${config.JITSI_JWT_ALG}) verifies against ${against}; typ, aud, iss, sub, room, nbf = iat - 30 and exp are as Jitsi expects`,
    };
  };
}

function verificationKeyOf(key: JitsiSigningKey): KeyObject | Uint8Array {
  return key.alg === 'HS256' ? new TextEncoder().encode(key.secret) : createPublicKey(createPrivateKey(key.privateKeyPem));
}

async function explainVerifyFailure(
  error: unknown,
  token: string,
  nowMs: number,
  trusted: boolean,
  signingKey: () => Promise<JitsiSigningKey>,
): Promise<string> {
  const code = (error as { code?: unknown })?.code;
  if (code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' || code === 'ERR_JWT_EXPIRED') {
    const claim = (error as { claim?: unknown }).claim;
    return `The canary token's ${typeof claim === 'string' ? claim : 'claims'} claim fails the check Jitsi makes (${String(code)}): check JITSI_JWT_AUDIENCE, JITSI_APP_ID, JITSI_DOMAIN and JITSI_JAAS`;
  }
  if (code !== 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') return `The canary token could not be verified (${errorLabel(error)})`;
  if (trusted) {
    return 'A token signed with the configured private key does not verify against JITSI_JWT_PUBLIC_KEY, the public key Jitsi trusts: the key pair does not match and Jitsi rejects every join token';
  }
  const mintedWithCached = await signingKey()
    .then((key) => jwtVerify(token, verificationKeyOf(key), { currentDate: new Date(nowMs) }))
    .then(() => true)
    .catch(() => false);
  return mintedWithCached
    ? 'The signing key in use differs from the current one in its source (JITSI_SECRET_ARN or JITSI_JWT_SECRET): a rotation is propagating (up to SECRETS_CACHE_TTL_SECONDS) and tokens minted meanwhile carry the old key'
    : 'A token minted as join mints it does not verify against the current signing key';
}

function checkClaims(payload: JWTPayload, config: CanaryConfig): string | undefined {
  const { iat, nbf, exp } = payload;
  if (payload.room !== CANARY_ROOM)
    return "The canary token's room claim is not the exact lowercase room name: Jitsi would refuse the room";
  if (typeof iat !== 'number' || typeof exp !== 'number') return 'The canary token lacks iat or exp: Jitsi requires both';
  if (nbf !== iat - NOT_BEFORE_SKEW_SECONDS) return "The canary token's nbf is not iat - 30 s: Jitsi allows no clock skew";
  const lifetime = exp - iat;
  if (lifetime !== config.JITSI_TOKEN_TTL_SECONDS || lifetime > MAX_TOKEN_LIFETIME_SECONDS) {
    return "The canary token's lifetime (exp - iat) is not JITSI_TOKEN_TTL_SECONDS (at most 3600 s)";
  }
  const context = payload.context as { user?: { id?: unknown }; features?: Record<string, unknown> } | undefined;
  if (typeof context?.user?.id !== 'string') return 'The canary token has no context.user.id string: Jitsi throws on it';
  const features = context.features ?? {};
  if (!Object.keys(NO_FEATURES).every((name) => typeof features[name] === 'boolean')) {
    return 'The canary token lacks explicit context.features: Jitsi would grant every feature';
  }
  return undefined;
}

/** A stable label for an error, never its message (which may quote a key). */
function errorLabel(error: unknown): string {
  if (error instanceof AppError) return error.code;
  const code = (error as { code?: unknown })?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : 'error';
}
