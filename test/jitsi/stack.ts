import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { devApi, killStartedDevServers, startDevServer, waitUntilNothingOutlives, type ReadyDevServer } from '../support/dev-server';
import { requestConference, startFocus } from './focus';
import { freePort, startProsody, type RunningProsody } from './prosody';
import { joinRoom, XmppClient } from './xmpp-client';

// The whole Jitsi tier on loopback: a real Prosody rendered from the shipped ops/jitsi template,
// the real local server (`npm run dev`) it posts events to and fetches the system key from, and
// a focus stand-in. Between Prosody and the server sits a pass-through tap that records each
// event_sync post and the server's answer, so a test can wait until the service has taken an
// event (e.g. an occupant it must later kick) instead of sleeping.

export interface TappedRequest {
  method: string;
  path: string;
  /** Whether it carried `Authorization: Bearer <events secret>` (the header itself is not kept: failures print requests). */
  authorized: boolean;
  body: Record<string, unknown> | undefined;
  /** The real server's status code. */
  status: number;
}

export interface Tap {
  url: string;
  requests: TappedRequest[];
  target: string | undefined;
  waitFor(match: (request: TappedRequest) => boolean, timeoutMs?: number): Promise<TappedRequest>;
  stop(): Promise<void>;
}

async function startTap(eventsSecret: string): Promise<Tap> {
  const requests: TappedRequest[] = [];
  let waiters: Array<{ match: (request: TappedRequest) => boolean; resolve: (request: TappedRequest) => void }> = [];
  const tap: Tap = {
    url: '',
    requests,
    target: undefined,
    waitFor(match, timeoutMs = 15_000) {
      const seen = requests.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters = waiters.filter((waiter) => waiter.resolve !== done);
          reject(new Error(`timed out waiting for a request from Prosody; seen: ${requests.map((r) => `${r.path} ${r.status}`).join(', ')}`));
        }, timeoutMs);
        const done = (request: TappedRequest) => {
          clearTimeout(timer);
          resolve(request);
        };
        waiters.push({ match, resolve: done });
      });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const path = new URL(request.url ?? '/', 'http://tap').pathname;
      const forwardHeaders = Object.fromEntries(
        Object.entries(request.headers).filter(([name]) => !['host', 'connection', 'content-length', 'transfer-encoding'].includes(name)),
      ) as Record<string, string>;
      const method = request.method ?? 'GET';
      void (async () => {
        let status = 502;
        let body: Buffer = Buffer.alloc(0);
        let contentType: string | undefined;
        if (tap.target) {
          try {
            const answer = await fetch(`${tap.target}${request.url ?? '/'}`, {
              method,
              headers: forwardHeaders,
              ...(raw.length ? { body: raw } : {}),
            });
            status = answer.status;
            contentType = answer.headers.get('content-type') ?? undefined;
            body = Buffer.from(await answer.arrayBuffer());
          } catch {
            status = 502;
          }
        }
        response.writeHead(status, contentType ? { 'content-type': contentType } : {}).end(body);
        let parsed: Record<string, unknown> | undefined;
        try {
          parsed = raw.length ? (JSON.parse(raw.toString()) as Record<string, unknown>) : undefined;
        } catch {
          parsed = undefined;
        }
        const tapped = { method, path, authorized: request.headers.authorization === `Bearer ${eventsSecret}`, body: parsed, status };
        requests.push(tapped);
        const waiter = waiters.find((candidate) => candidate.match(tapped));
        if (waiter) {
          waiters = waiters.filter((candidate) => candidate !== waiter);
          waiter.resolve(tapped);
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tap.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return tap;
}

export interface JitsiStack {
  prosody: RunningProsody;
  server: ReadyDevServer;
  tap: Tap;
  focus: XmppClient;
  domain: string;
  muc: string;
  stop(): Promise<void>;
}

export interface StackOptions {
  pluginsRoot: string;
  /** The local server's DATA_DIR (its system key, DynamoDB Local files). */
  dataDir: string;
  domain: string;
  appId: string;
  audience: string;
  jwtSecret: string;
  systemKid: string;
}

export async function startJitsiStack(options: StackOptions): Promise<JitsiStack> {
  const eventsSecret = randomBytes(24).toString('hex');
  const tap = await startTap(eventsSecret);
  let prosody: RunningProsody | undefined;
  let focus: XmppClient | undefined;
  let server: ReadyDevServer | undefined;
  const stop = async () => {
    focus?.drop();
    if (server) {
      const pids = [server.serverPid, ...(server.dynamoDbPid ? [server.dynamoDbPid] : [])];
      process.kill(-(server.child.pid as number), 'SIGTERM');
      await waitUntilNothingOutlives(pids, options.dataDir, server.port).catch(() => killStartedDevServers());
    }
    await prosody?.stop();
    await tap.stop();
  };
  try {
    prosody = await startProsody({
      pluginsRoot: options.pluginsRoot,
      JITSI_DOMAIN: options.domain,
      JITSI_APP_ID: options.appId,
      JITSI_APP_SECRET: options.jwtSecret,
      JITSI_JWT_AUDIENCE: options.audience,
      API_URL: tap.url,
      JITSI_EVENTS_SECRET: eventsSecret,
    });
    // The service's side of the same values Prosody was rendered with.
    const serviceEnv = {
      PORT: String(await freePort()),
      DATA_DIR: options.dataDir,
      JITSI_DOMAIN: options.domain,
      JITSI_PUBLIC_URL: `https://${options.domain}`,
      JITSI_APP_ID: options.appId,
      JITSI_JWT_AUDIENCE: options.audience,
      JITSI_JWT_SECRET: options.jwtSecret,
      JITSI_SYSTEM_KID: options.systemKid,
      JITSI_EVENTS_SECRET: eventsSecret,
      JITSI_INTERNAL_URL: prosody.httpUrl,
      TURN_HOST: 'turn.jitsi.test',
    };
    server = await startDevServer({ viaNpm: true, env: serviceEnv });
    tap.target = server.url;
    const focusPassword = randomBytes(12).toString('hex');
    prosody.register('focus', `auth.${options.domain}`, focusPassword);
    focus = await startFocus({ websocketUrl: prosody.websocketUrl, domain: options.domain, password: focusPassword });
    return { prosody, server, tap, focus, domain: options.domain, muc: `conference.${options.domain}`, stop };
  } catch (error) {
    // A server that never became ready is not in `server`: its process group goes too.
    killStartedDevServers();
    await stop();
    throw error;
  }
}

export interface InRoom {
  client: XmppClient;
  nick: string;
  roomJid: string;
  occupantJid: string;
  ok: boolean;
  affiliation?: string;
  role?: string;
  error?: string;
}

/** What Jitsi's web client does with join info: log in with the token, ask focus for the room, join it with the nick lib-jitsi-meet derives. */
export async function enterRoom(stack: JitsiStack, token: string, room: string, displayName: string, clients: XmppClient[]): Promise<InRoom> {
  const client = await XmppClient.connect({ url: stack.prosody.websocketUrl, domain: `token.${stack.domain}`, token, room });
  clients.push(client);
  const roomJid = `${room}@${stack.muc}`;
  await requestConference(client, stack.domain, roomJid);
  const nick = client.jid.split('@')[0]?.slice(0, 8) ?? '';
  const outcome = await joinRoom(client, roomJid, nick, displayName);
  return { client, nick, roomJid, occupantJid: `${roomJid}/${nick}`, ok: outcome.ok, affiliation: outcome.affiliation, role: outcome.role, error: outcome.error };
}

/** A bearer for `sub` from the local server's issuer. */
export const bearer = async (stack: JitsiStack, sub: string, roles: string[] = []) =>
  (await devApi(stack.server, 'POST', '/_local/token', undefined, { sub, name: sub, email: `${sub}@example.com`, roles })).body.token as string;
