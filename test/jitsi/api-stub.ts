import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JitsiSystemKey } from '../../shared/secrets/provider';
import { systemPublicKeyFor } from '../../shared/jitsi/system-token';

// What Prosody talks to on the service's side, on a loopback port: the system token's public
// key at /api/jitsi/keys/<sha256 hex of kid>.pem, and event_sync's posts, recorded as received.

export interface ReceivedEvent {
  path: string;
  authorization: string | undefined;
  body: Record<string, unknown>;
}

export interface ApiStub {
  url: string;
  events: ReceivedEvent[];
  keyRequests: string[];
  waitForEvent(match: (event: ReceivedEvent) => boolean, timeoutMs?: number): Promise<ReceivedEvent>;
  stop(): Promise<void>;
}

export async function startApiStub(systemKey: JitsiSystemKey): Promise<ApiStub> {
  const events: ReceivedEvent[] = [];
  const keyRequests: string[] = [];
  let waiters: Array<{ match: (event: ReceivedEvent) => boolean; resolve: (event: ReceivedEvent) => void }> = [];

  const server = http.createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://stub').pathname;
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      const key = /^\/api\/jitsi\/keys\/([^/]+)$/.exec(path);
      if (request.method === 'GET' && key?.[1]) {
        keyRequests.push(key[1]);
        const pem = systemPublicKeyFor(systemKey, key[1]);
        response.writeHead(pem ? 200 : 404, { 'content-type': 'application/x-pem-file' }).end(pem ?? '');
        return;
      }
      if (request.method === 'POST' && path.startsWith('/api/jitsi/events/')) {
        const event = { path, authorization: request.headers.authorization, body: JSON.parse(raw) as Record<string, unknown> };
        events.push(event);
        const waiter = waiters.find((candidate) => candidate.match(event));
        if (waiter) {
          waiters = waiters.filter((candidate) => candidate !== waiter);
          waiter.resolve(event);
        }
        response.writeHead(204).end();
        return;
      }
      response.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));

  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    events,
    keyRequests,
    waitForEvent(match, timeoutMs = 15_000) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for an event_sync post; received: ${events.map((event) => event.path).join(', ')}`)), timeoutMs);
        waiters.push({
          match,
          resolve: (event) => {
            clearTimeout(timer);
            resolve(event);
          },
        });
      });
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
