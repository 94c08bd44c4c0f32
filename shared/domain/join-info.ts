import { getConfig, type Config } from '../config';
import type { Caller } from '../http/auth';
import { mintJitsiToken, type JitsiRole, type MintedToken } from '../jitsi/token';
import { getSecretsProvider, type TurnAuth } from '../secrets/provider';
import { turnRestCredentials } from '../turn/credentials';

export interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

export function iceServers(config: Config, auth: TurnAuth, userId: string, nowMs: number): IceServer[] {
  const host = config.TURN_HOST;
  const stun: IceServer = { urls: [`stun:${host}:${config.TURN_PORT}`] };
  if (auth.kind === 'none') return [stun];
  const urls = [
    `turn:${host}:${config.TURN_PORT}?transport=udp`,
    `turn:${host}:${config.TURN_PORT}?transport=tcp`,
    `turns:${host}:${config.TURNS_PORT}?transport=tcp`,
  ];
  const credentials =
    auth.kind === 'static'
      ? { username: auth.username, credential: auth.password }
      : turnRestCredentials(auth.secret, userId, config.TURN_CREDENTIAL_TTL_SECONDS, nowMs);
  return [stun, { urls, ...credentials }];
}

export async function mintTokenFor(caller: Caller, room: string, role: JitsiRole, nowMs = Date.now()): Promise<MintedToken> {
  const config = getConfig();
  const key = await getSecretsProvider().jitsiSigningKey();
  return mintJitsiToken(
    { room, user: { id: caller.userId, name: caller.name, email: caller.email, avatar: caller.avatar }, role, nowMs },
    {
      appId: config.JITSI_APP_ID,
      domain: config.JITSI_DOMAIN,
      audience: config.JITSI_JWT_AUDIENCE,
      ttlSeconds: config.JITSI_TOKEN_TTL_SECONDS,
      jaas: config.JITSI_JAAS,
    },
    key,
  );
}

/** Token and ICE servers for one join: the two secret reads run side by side. */
export async function joinCredentials(caller: Caller, room: string, role: JitsiRole, nowMs = Date.now()) {
  const config = getConfig();
  const [token, turnAuth] = await Promise.all([mintTokenFor(caller, room, role, nowMs), getSecretsProvider().turnAuth()]);
  return { token, iceServers: iceServers(config, turnAuth, caller.userId, nowMs) };
}

export const tokenResponse = (token: MintedToken) => ({ token: token.token, token_expires_at: token.expiresAt.toISOString() });
