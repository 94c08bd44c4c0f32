import type { Config } from '../config';
import type { SecretsProvider } from '../secrets/provider';
import { mintSystemToken } from './system-token';

// A client for Prosody's internal HTTP API (mod_muc_end_meeting, mod_muc_kick_participant).
// Jitsi failing must never fail an end or a removal in the store, so every call answers a
// result and never throws: the caller logs and counts a failure.

export const DEFAULT_JITSI_API_TIMEOUT_MS = 3_000;

export type JitsiApiFailure =
  /** 404: no such room (end-meeting) or no such occupant (kick): nobody left to remove. */
  | 'not_found'
  /** 401/403: Prosody refused the system token (key URL, kid, issuer or audience). */
  | 'rejected'
  | 'http_error'
  | 'timeout'
  | 'unreachable'
  /** The system token could not be minted (secret missing or malformed). */
  | 'token_unavailable';

export type JitsiApiResult = { ok: true; status: number } | { ok: false; reason: JitsiApiFailure; status?: number };

export interface JitsiHttpApi {
  /** Ends the meeting for everyone: `POST /end-meeting?conference=<room>@<muc domain>`. */
  endMeeting(room: string): Promise<JitsiApiResult>;
  /** Removes one occupant by MUC nick: `PUT /kick-participant?room=<room>`. */
  kickParticipant(room: string, nick: string): Promise<JitsiApiResult>;
}

export interface JitsiHttpApiOptions {
  /** Prosody's HTTP base, e.g. http://prosody:5280 (JITSI_INTERNAL_URL). */
  internalUrl: string;
  /** The MUC component, e.g. conference.meet.example. */
  mucDomain: string;
  systemToken: () => Promise<string>;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export function jitsiHttpApi(options: JitsiHttpApiOptions): JitsiHttpApi {
  const base = options.internalUrl.endsWith('/') ? options.internalUrl : `${options.internalUrl}/`;
  const timeoutMs = options.timeoutMs ?? DEFAULT_JITSI_API_TIMEOUT_MS;
  const send = options.fetch ?? fetch;

  async function call(method: 'POST' | 'PUT', path: string, query: Record<string, string>, body?: unknown): Promise<JitsiApiResult> {
    let token: string;
    try {
      token = await options.systemToken();
    } catch {
      return { ok: false, reason: 'token_unavailable' };
    }
    const url = new URL(path, base);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    // mod_muc_kick_participant answers 400 to any other content type, even with a charset.
    if (body !== undefined) headers['content-type'] = 'application/json';
    try {
      const response = await send(url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
        redirect: 'error',
      });
      await response.body?.cancel();
      if (response.ok) return { ok: true, status: response.status };
      const reason: JitsiApiFailure =
        response.status === 404 ? 'not_found' : response.status === 401 || response.status === 403 ? 'rejected' : 'http_error';
      return { ok: false, reason, status: response.status };
    } catch (error) {
      const name = (error as { name?: unknown }).name;
      return { ok: false, reason: name === 'TimeoutError' || name === 'AbortError' ? 'timeout' : 'unreachable' };
    }
  }

  return {
    endMeeting: (room) => call('POST', 'end-meeting', { conference: `${room.toLowerCase()}@${options.mucDomain}` }),
    kickParticipant: (room, nick) => call('PUT', 'kick-participant', { room: room.toLowerCase() }, { participantId: nick }),
  };
}

/** Jitsi's MUC component: `conference.<JITSI_DOMAIN>`, as Jitsi's installer names it. */
export const mucDomainOf = (config: Pick<Config, 'JITSI_DOMAIN'>) => `conference.${config.JITSI_DOMAIN}`;

/** The configured client, or undefined when JITSI_INTERNAL_URL is unset (the end then reports `null`). */
export function jitsiHttpApiFromConfig(config: Config, secrets: SecretsProvider, options: { timeoutMs?: number } = {}): JitsiHttpApi | undefined {
  if (!config.JITSI_INTERNAL_URL) return undefined;
  const settings = { appId: config.JITSI_APP_ID, domain: config.JITSI_DOMAIN, audience: config.JITSI_JWT_AUDIENCE };
  return jitsiHttpApi({
    internalUrl: config.JITSI_INTERNAL_URL,
    mucDomain: mucDomainOf(config),
    systemToken: async () => mintSystemToken(settings, await secrets.jitsiSystemKey()),
    timeoutMs: options.timeoutMs,
  });
}
