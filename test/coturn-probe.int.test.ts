import dgram from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCoturnProbe, type CoturnProbeInput } from '../shared/probes/coturn-probe';
import type { ProbeResult } from '../shared/probes/types';
import {
  StunAttr,
  StunMethod,
  decodeMessage,
  encodeMessage,
  encodeXorAddress,
  getAttribute,
  longTermKey,
  type StunAttribute,
  type StunMessage,
} from '../shared/turn/stun';
import { LOOPBACK, silentUdpServer, startCoturn, type RunningCoturn } from './support/coturn';

const SECRET = 'probe-test-secret-7f3a9c2e41';
const WRONG_SECRET = 'some-other-secret-0b8d6e1f55';

const check = (result: ProbeResult, name: string) => {
  const found = result.checks.find((c) => c.name === name);
  if (!found) throw new Error(`no check named ${name} in ${JSON.stringify(result.checks)}`);
  return found;
};

/** The contract: no secret, no credential, no address in what the health route serves. */
function expectNothingSensitive(result: ProbeResult, ...secrets: string[]) {
  const body = JSON.stringify(result);
  for (const secret of secrets) expect(body).not.toContain(secret);
  expect(body).not.toMatch(/\d+\.\d+\.\d+\.\d+/);
  expect(body).not.toMatch(/health-probe/);
}

describe('runCoturnProbe against a real coturn', () => {
  let coturn: RunningCoturn;
  const probe = (overrides: Partial<CoturnProbeInput> = {}) =>
    runCoturnProbe({
      host: coturn.host,
      port: coturn.port,
      turnsPort: coturn.tlsPort,
      tls: { ca: coturn.ca },
      auth: { kind: 'rest', secret: SECRET },
      userIdForProbe: 'health-probe',
      now: () => Date.now(),
      ...overrides,
    });

  beforeAll(async () => {
    coturn = await startCoturn({ secret: SECRET, tls: true });
  });
  afterAll(async () => {
    await coturn?.stop();
  });

  it('reports ok when the REST secret matches static-auth-secret', async () => {
    const result = await probe();
    expect(result.component).toBe('coturn');
    expect(result.status).toBe('ok');
    expect(result.checks.map((c) => [c.name, c.ok])).toEqual([
      ['stun_binding', true],
      ['turn_allocate', true],
      ['turns_tls', true],
    ]);
    expect(check(result, 'turn_allocate').detail).toMatch(/verified MESSAGE-INTEGRITY, released it/);
    expect(new Date(result.checked_at).toISOString()).toBe(result.checked_at);
    expectNothingSensitive(result, SECRET);
  });

  it('reports down with an auth reason when the secret does not match', async () => {
    const result = await probe({ auth: { kind: 'rest', secret: WRONG_SECRET } });
    expect(result.status).toBe('down');
    expect(check(result, 'stun_binding').ok).toBe(true);
    const allocate = check(result, 'turn_allocate');
    expect(allocate.ok).toBe(false);
    expect(allocate.detail).toContain('TURN rejected the credentials (401)');
    expect(allocate.detail).toContain("does not match coturn's static-auth-secret");
    expectNothingSensitive(result, SECRET, WRONG_SECRET);
  });

  it('names the static credentials when a static user is rejected', async () => {
    const result = await probe({ auth: { kind: 'static', username: 'probe-user', password: 'not-a-coturn-password' } });
    expect(result.status).toBe('down');
    expect(check(result, 'turn_allocate').detail).toContain('TURN_USERNAME/TURN_PASSWORD do not match');
    expectNothingSensitive(result, 'not-a-coturn-password');
  });

  it('reports down when no TURN credentials are configured', async () => {
    const result = await probe({ auth: { kind: 'none' } });
    expect(result.status).toBe('down');
    expect(check(result, 'turn_allocate').detail).toMatch(/No TURN credentials are configured/);
  });

  it('reports degraded, not down, when only the TLS certificate is untrusted', async () => {
    const result = await probe({ tls: {} });
    expect(result.status).toBe('degraded');
    const tls = check(result, 'turns_tls');
    expect(tls.ok).toBe(false);
    expect(tls.detail).toMatch(/TLS handshake failed \((DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN)\)/);
  });

  it('leaves TLS out when no TURNS port is configured', async () => {
    const result = await probe({ turnsPort: undefined });
    expect(result.checks.map((c) => c.name)).toEqual(['stun_binding', 'turn_allocate']);
    expect(result.status).toBe('ok');
  });
});

describe('runCoturnProbe when coturn is not there', () => {
  it('reports down from the ICMP error once the server is stopped', async () => {
    const coturn = await startCoturn({ secret: SECRET });
    await coturn.stop();
    const started = performance.now();
    const result = await runCoturnProbe({
      host: LOOPBACK,
      port: coturn.port,
      auth: { kind: 'rest', secret: SECRET },
      userIdForProbe: 'health-probe',
    });
    expect(result.status).toBe('down');
    expect(check(result, 'stun_binding').detail).toContain('ICMP port unreachable');
    expect(check(result, 'turn_allocate').ok).toBe(false);
    // An ICMP error is an answer: no waiting for the timeout.
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('reports down within the budget when nothing answers', async () => {
    const blackHole = await silentUdpServer();
    try {
      const budgetMs = 1200;
      const started = performance.now();
      const result = await runCoturnProbe({
        host: LOOPBACK,
        port: blackHole.port,
        auth: { kind: 'rest', secret: SECRET },
        userIdForProbe: 'health-probe',
        budgetMs,
        checkTimeoutMs: 5000,
      });
      const elapsed = performance.now() - started;
      expect(result.status).toBe('down');
      expect(elapsed).toBeLessThan(budgetMs + 500);
      expect(check(result, 'stun_binding').detail).toMatch(/did not answer before the probe's time budget ran out/);
      // RFC 8489 retransmission: each of the two checks sent at 0 and 500 ms before the budget ended.
      expect(blackHole.received()).toBeGreaterThanOrEqual(4);
    } finally {
      await blackHole.close();
    }
  });

  it('times a single check out at its own timeout', async () => {
    const blackHole = await silentUdpServer();
    try {
      const result = await runCoturnProbe({
        host: LOOPBACK,
        port: blackHole.port,
        auth: { kind: 'none' },
        userIdForProbe: 'p',
        budgetMs: 5000,
        checkTimeoutMs: 300,
      });
      expect(check(result, 'stun_binding').detail).toMatch(/did not answer within 300 ms/);
      expect(result.latency_ms).toBeLessThan(1000);
    } finally {
      await blackHole.close();
    }
  });
});

// A scripted TURN server for behaviours coturn does not show on demand.
const REALM = 'fake.test';
type Script = (request: StunMessage, attempt: number) => Buffer | undefined;

async function fakeTurnServer(script: Script) {
  const socket = dgram.createSocket('udp4');
  const attempts = new Map<number, number>();
  const seen: StunMessage[] = [];
  socket.on('message', (buf, remote) => {
    const request = decodeMessage(buf);
    seen.push(request);
    const attempt = (attempts.get(request.method) ?? 0) + 1;
    attempts.set(request.method, attempt);
    const answer = script(request, attempt);
    if (answer) socket.send(answer, remote.port, remote.address);
  });
  const port = await new Promise<number>((resolve) => socket.bind(0, LOOPBACK, () => resolve(socket.address().port)));
  return { port, seen, close: () => new Promise<void>((resolve) => socket.close(() => resolve())) };
}

const errorAttr = (code: number, reason: string): StunAttribute => ({
  type: StunAttr.ErrorCode,
  value: Buffer.concat([Buffer.from([0, 0, Math.floor(code / 100), code % 100]), Buffer.from(reason)]),
});
const textAttr = (type: number, value: string): StunAttribute => ({ type, value: Buffer.from(value) });
const relayed = (request: StunMessage): StunAttribute => ({
  type: StunAttr.XorRelayedAddress,
  value: encodeXorAddress({ family: 'IPv4', address: '127.0.0.1', port: 50000 }, request.transactionId),
});

function reply(request: StunMessage, cls: 'success' | 'error', attributes: StunAttribute[], key?: Buffer) {
  return encodeMessage({ method: request.method, cls, transactionId: request.transactionId, attributes }, key ? { integrityKey: key } : {});
}

function keyFor(request: StunMessage, password: string) {
  return longTermKey(getAttribute(request, StunAttr.Username)!.toString(), REALM, password);
}

describe('runCoturnProbe against a scripted TURN server', () => {
  const base = { auth: { kind: 'static', username: 'probe', password: 'pw-for-fake' } as const, userIdForProbe: 'p', host: LOOPBACK };

  it('follows 438 Stale Nonce on Allocate and on the releasing Refresh', async () => {
    const server = await fakeTurnServer((request, attempt) => {
      if (request.method === StunMethod.Binding) {
        return reply(request, 'success', [
          {
            type: StunAttr.XorMappedAddress,
            value: encodeXorAddress({ family: 'IPv4', address: '127.0.0.1', port: 1 }, request.transactionId),
          },
        ]);
      }
      const nonce = getAttribute(request, StunAttr.Nonce)?.toString();
      if (!getAttribute(request, StunAttr.Username)) {
        return reply(request, 'error', [
          errorAttr(401, 'Unauthorized'),
          textAttr(StunAttr.Realm, REALM),
          textAttr(StunAttr.Nonce, 'nonce-1'),
        ]);
      }
      if (nonce !== `nonce-${request.method}-fresh`) {
        return reply(request, 'error', [
          errorAttr(438, 'Stale Nonce'),
          textAttr(StunAttr.Realm, REALM),
          textAttr(StunAttr.Nonce, `nonce-${request.method}-fresh`),
        ]);
      }
      const key = keyFor(request, 'pw-for-fake');
      return request.method === StunMethod.Allocate
        ? reply(request, 'success', [relayed(request), { type: StunAttr.Lifetime, value: Buffer.from([0, 0, 2, 88]) }], key)
        : reply(request, 'success', [{ type: StunAttr.Lifetime, value: Buffer.alloc(4) }], key);
    });
    try {
      const result = await runCoturnProbe({ ...base, port: server.port });
      expect(result.status).toBe('ok');
      expect(check(result, 'turn_allocate').detail).toMatch(/lifetime 600 s\), verified MESSAGE-INTEGRITY, released it/);
      const refreshes = server.seen.filter((m) => m.method === StunMethod.Refresh);
      expect(refreshes).toHaveLength(2);
      expect(getAttribute(refreshes[0]!, StunAttr.Lifetime)?.readUInt32BE(0)).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('reports an open relay as down', async () => {
    const server = await fakeTurnServer((request) =>
      request.method === StunMethod.Allocate || request.method === StunMethod.Refresh
        ? reply(request, 'success', [relayed(request)])
        : undefined,
    );
    try {
      const result = await runCoturnProbe({ ...base, port: server.port, checkTimeoutMs: 400 });
      expect(check(result, 'turn_allocate').ok).toBe(false);
      expect(check(result, 'turn_allocate').detail).toMatch(/open relay/);
      expect(result.status).toBe('down');
    } finally {
      await server.close();
    }
  });

  it('fails the allocation when the success response does not verify', async () => {
    const server = await fakeTurnServer((request) => {
      if (request.method !== StunMethod.Allocate) return undefined;
      if (!getAttribute(request, StunAttr.Username)) {
        return reply(request, 'error', [errorAttr(401, 'Unauthorized'), textAttr(StunAttr.Realm, REALM), textAttr(StunAttr.Nonce, 'n')]);
      }
      return reply(request, 'success', [relayed(request)], keyFor(request, 'another-password'));
    });
    try {
      const result = await runCoturnProbe({ ...base, port: server.port, checkTimeoutMs: 400 });
      expect(check(result, 'turn_allocate').detail).toMatch(/failed MESSAGE-INTEGRITY/);
    } finally {
      await server.close();
    }
  });

  it('explains a 508 with the relay port range', async () => {
    const server = await fakeTurnServer((request) => {
      if (request.method !== StunMethod.Allocate) return undefined;
      if (!getAttribute(request, StunAttr.Username)) {
        return reply(request, 'error', [errorAttr(401, 'Unauthorized'), textAttr(StunAttr.Realm, REALM), textAttr(StunAttr.Nonce, 'n')]);
      }
      return reply(request, 'error', [errorAttr(508, 'Insufficient Capacity')]);
    });
    try {
      const result = await runCoturnProbe({ ...base, port: server.port, checkTimeoutMs: 400 });
      expect(check(result, 'turn_allocate').detail).toMatch(/no free relay port \(508\): widen min-port\/max-port/);
    } finally {
      await server.close();
    }
  });
});
