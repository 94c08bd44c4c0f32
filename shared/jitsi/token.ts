import { createHmac, createPrivateKey, sign, type KeyObject } from 'node:crypto';
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

// Signed with node:crypto directly: no JOSE library in the bundle, and the key is imported once
// per key per container (a PEM import costs milliseconds; an HMAC key object makes a mint microseconds).
const keyObjects = new Map<string, KeyObject>();

function keyObject(pem: string): KeyObject {
  let key = keyObjects.get(pem);
  if (!key) {
    key = createPrivateKey(pem);
    keyObjects.set(pem, key);
  }
  return key;
}

const base64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

/** A compact JWS over the claims: HS256 with the secret, RS256 with the (once-imported) private key. */
export function signJwt(header: Record<string, string | undefined>, claims: Record<string, unknown>, key: JitsiSigningKey): string {
  const input = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  const signature =
    key.alg === 'HS256'
      ? createHmac('sha256', key.secret).update(input).digest()
      : sign('sha256', Buffer.from(input), keyObject(key.privateKeyPem));
  return `${input}.${base64url(signature)}`;
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

  const claims = {
    room,
    context: {
      user: jitsiUserContext(request.user, request.role),
      // Always explicit: a moderator token without features gets every feature by Jitsi's defaults.
      features: { ...request.role.features },
    },
    aud: settings.audience,
    iss: settings.jaas ? 'chat' : settings.appId,
    sub: settings.jaas ? settings.appId : settings.domain,
    iat: issuedAt,
    nbf: issuedAt - NOT_BEFORE_SKEW_SECONDS,
    exp: expiresAt,
  };
  const token = signJwt(header, claims, key);

  return { token, expiresAt: new Date(expiresAt * 1000) };
}
