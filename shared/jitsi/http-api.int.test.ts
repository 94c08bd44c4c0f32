import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jitsiHttpApi } from './http-api';

interface Seen {
  method: string | undefined;
  url: string | undefined;
  headers: http.IncomingHttpHeaders;
  body: string;
}

// A loopback stand-in for Prosody's HTTP API: records requests and answers what the test sets.
let server: http.Server;
let base: string;
const seen: Seen[] = [];
let answer: { status: number; delayMs?: number } = { status: 200 };

beforeAll(async () => {
  server = http.createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      seen.push({ method: request.method, url: request.url, headers: request.headers, body });
      const reply = () => response.writeHead(answer.status).end();
      if (answer.delayMs) setTimeout(reply, answer.delayMs).unref();
      else reply();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const api = (overrides: Partial<Parameters<typeof jitsiHttpApi>[0]> = {}) =>
  jitsiHttpApi({ internalUrl: base, mucDomain: 'conference.meet.example', systemToken: async () => 'system.jwt.value', ...overrides });

describe('jitsiHttpApi', () => {
  it('ends a meeting with POST /end-meeting?conference=<room>@<muc domain> and the system token', async () => {
    answer = { status: 200 };
    seen.length = 0;
    await expect(api().endMeeting('Bio-101-Abc')).resolves.toEqual({ ok: true, status: 200 });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.method).toBe('POST');
    expect(seen[0]?.url).toBe('/end-meeting?conference=bio-101-abc%40conference.meet.example');
    expect(seen[0]?.headers.authorization).toBe('Bearer system.jwt.value');
  });

  it('kicks with PUT /kick-participant?room=<name>, content-type exactly application/json, body {participantId}', async () => {
    answer = { status: 200 };
    seen.length = 0;
    await expect(api().kickParticipant('room-1', '14f01c40')).resolves.toEqual({ ok: true, status: 200 });
    expect(seen[0]).toMatchObject({ method: 'PUT', url: '/kick-participant?room=room-1', body: '{"participantId":"14f01c40"}' });
    expect(seen[0]?.headers['content-type']).toBe('application/json');
  });

  it.each([
    [404, 'not_found'],
    [401, 'rejected'],
    [403, 'rejected'],
    [500, 'http_error'],
  ] as const)('answers ok false (%i → %s) without throwing', async (status, reason) => {
    answer = { status };
    await expect(api().endMeeting('room-1')).resolves.toEqual({ ok: false, reason, status });
  });

  it('gives up after its timeout', async () => {
    answer = { status: 200, delayMs: 2_000 };
    const started = Date.now();
    await expect(api({ timeoutMs: 100 }).kickParticipant('room-1', 'abcdef01')).resolves.toEqual({ ok: false, reason: 'timeout' });
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('reports an unreachable Prosody and a token that cannot be minted as failures', async () => {
    await expect(api({ internalUrl: 'http://127.0.0.1:1' }).endMeeting('room-1')).resolves.toEqual({ ok: false, reason: 'unreachable' });
    const noToken = api({ systemToken: () => Promise.reject(new Error('secret missing')) });
    await expect(noToken.endMeeting('room-1')).resolves.toEqual({ ok: false, reason: 'token_unavailable' });
  });
});
