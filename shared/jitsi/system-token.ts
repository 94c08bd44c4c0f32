import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { AppError, notFound } from '../errors';
import type { JitsiSystemKey } from '../secrets/provider';
import { NOT_BEFORE_SKEW_SECONDS, signJwt } from './token';

// The token the service shows Prosody's mod_muc_end_meeting and mod_muc_kick_participant.
// They verify RS256 against `prosody_password_public_key_repo_url`, fetching
// `<url>/<sha256 hex of kid>.pem`, with the main VirtualHost's issuers and audiences; the token
// must carry iss, aud, sub and a room claim (`*`: any room), like a login token.

export const SYSTEM_TOKEN_TTL_SECONDS = 60;

export interface SystemTokenSettings {
  appId: string;
  domain: string;
  audience: string;
}

// Signed like login tokens, with node:crypto (the key imported once per container): no JOSE library in
// the functions that end meetings or kick.
export async function mintSystemToken(settings: SystemTokenSettings, key: JitsiSystemKey, nowMs = Date.now()): Promise<string> {
  const issuedAt = Math.floor(nowMs / 1000);
  return signJwt(
    { alg: 'RS256', typ: 'JWT', kid: key.kid },
    {
      room: '*',
      iss: settings.appId,
      aud: settings.audience,
      sub: settings.domain,
      iat: issuedAt,
      nbf: issuedAt - NOT_BEFORE_SKEW_SECONDS,
      exp: issuedAt + SYSTEM_TOKEN_TTL_SECONDS,
    },
    { alg: 'RS256', privateKeyPem: key.privateKeyPem, kid: key.kid },
  );
}

/** The file name Prosody asks the key URL for: `{sha256 hex of kid}.pem`. */
export function publicKeyFileName(kid: string): string {
  return `${createHash('sha256').update(kid, 'utf8').digest('hex')}.pem`;
}

export interface PublicKeyFile {
  fileName: string;
  /** SPKI PEM ("BEGIN PUBLIC KEY"), what luaossl's pkey.new reads. */
  pem: string;
}

export function systemPublicKeyFile(key: JitsiSystemKey): PublicKeyFile {
  const pem = createPublicKey(createPrivateKey(key.privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
  return { fileName: publicKeyFileName(key.kid), pem };
}

/** The PEM for a requested file name, or undefined when it names another key (a 404 for the route). */
export function systemPublicKeyFor(key: JitsiSystemKey, requestedFileName: string): string | undefined {
  const file = systemPublicKeyFile(key);
  return requestedFileName.toLowerCase() === file.fileName ? file.pem : undefined;
}

/**
 * What `GET /api/jitsi/keys/{file}` serves: the PEM, 404 for a file that is not the configured
 * kid's, and 503 `dependency_unavailable` while the system key cannot be had (deployed, until an
 * operator stores it in Secrets Manager, the generated placeholder is refused as malformed;
 * or Secrets Manager is down), never a 500. The cause is logged (the 5xx path), never answered.
 */
export async function servedSystemPublicKey(file: string, configuredKid: string, load: () => Promise<JitsiSystemKey>): Promise<string> {
  let pem: string | undefined;
  try {
    pem = systemPublicKeyFor(await load(), file);
  } catch (error) {
    if (file.toLowerCase() !== publicKeyFileName(configuredKid)) throw notFound('Key');
    if (error instanceof AppError && error.code === 'dependency_unavailable') throw error;
    throw new AppError('dependency_unavailable', 'The system key is not available: it has not been stored in Secrets Manager yet.', {
      cause: error,
      headers: { 'retry-after': '60' },
    });
  }
  if (!pem) throw notFound('Key');
  return pem;
}
