import { SignJWT, importPKCS8, type CryptoKey } from 'jose';
import type { JitsiSigningKey } from '../secrets/provider';

// Claims that Jitsi's Prosody token plugin (mod_auth_token / token_verification) checks.
// It allows no clock skew, requires `typ: "JWT"`, checks `sub` against the domain or tenant,
// and throws on user fields that are not strings: a missing field is left out, never null.

export const NOT_BEFORE_SKEW_SECONDS = 30;

export interface JitsiUser {
  id: string;
  name?: string | undefined;
  email?: string | undefined;
  avatar?: string | undefined;
}

export interface JitsiFeatures {
  recording: boolean;
  livestreaming: boolean;
  transcription: boolean;
  'outbound-call': boolean;
}

export type JitsiRole =
  /** Thread-call initiator, thread owner or moderator, live-class host. */
  | { kind: 'host'; features: JitsiFeatures }
  | { kind: 'member'; features: JitsiFeatures }
  /** A live-class student: sent to the lobby. */
  | { kind: 'lobby-member'; features: JitsiFeatures };

export const NO_FEATURES: JitsiFeatures = { recording: false, livestreaming: false, transcription: false, 'outbound-call': false };

export interface JitsiTokenSettings {
  appId: string;
  domain: string;
  audience: string;
  ttlSeconds: number;
  jaas: boolean;
}

export interface JitsiTokenRequest {
  room: string;
  user: JitsiUser;
  role: JitsiRole;
  nowMs: number;
}

export interface MintedToken {
  token: string;
  expiresAt: Date;
}

const rsaKeys = new Map<string, Promise<CryptoKey>>();
const encoder = new TextEncoder();

function signingKey(key: JitsiSigningKey): Promise<CryptoKey | Uint8Array> {
  if (key.alg === 'HS256') return Promise.resolve(encoder.encode(key.secret));
  // Importing a PEM costs a few ms: once per key per container.
  let imported = rsaKeys.get(key.privateKeyPem);
  if (!imported) {
    imported = importPKCS8(key.privateKeyPem, 'RS256');
    rsaKeys.set(key.privateKeyPem, imported);
  }
  return imported;
}

export function jitsiUserContext(user: JitsiUser, role: JitsiRole): Record<string, string | boolean> {
  const context: Record<string, string | boolean> = { id: user.id };
  for (const field of ['name', 'email', 'avatar'] as const) {
    const value = user[field];
    if (typeof value === 'string' && value.length > 0) context[field] = value;
  }
  const isHost = role.kind === 'host';
  context.moderator = isHost;
  context.affiliation = isHost ? 'owner' : 'member';
  if (isHost) context.lobby_bypass = true;
  if (role.kind === 'lobby-member') context.lobby = true;
  return context;
}

export async function mintJitsiToken(request: JitsiTokenRequest, settings: JitsiTokenSettings, key: JitsiSigningKey): Promise<MintedToken> {
  const room = request.room.toLowerCase();
  const issuedAt = Math.floor(request.nowMs / 1000);
  const expiresAt = issuedAt + settings.ttlSeconds;
  const header =
    key.alg === 'HS256'
      ? { alg: 'HS256', typ: 'JWT' }
      : { alg: 'RS256', typ: 'JWT', kid: settings.jaas ? `${settings.appId}/${key.kid}` : key.kid };

  const token = await new SignJWT({
    room,
    context: {
      user: jitsiUserContext(request.user, request.role),
      // Always explicit: a moderator token without features gets every feature by Jitsi's defaults.
      features: { ...request.role.features },
    },
  })
    .setProtectedHeader(header)
    .setAudience(settings.audience)
    .setIssuer(settings.jaas ? 'chat' : settings.appId)
    .setSubject(settings.jaas ? settings.appId : settings.domain)
    .setIssuedAt(issuedAt)
    .setNotBefore(issuedAt - NOT_BEFORE_SKEW_SECONDS)
    .setExpirationTime(expiresAt)
    .sign(await signingKey(key));

  return { token, expiresAt: new Date(expiresAt * 1000) };
}
