import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { runJobOnce } from '../infra/local/jobs';
import { resetConfigForTests } from '../shared/config';
import { dynamo, tableName, toAttributes } from '../shared/db/client';
import { keys } from '../shared/db/keys';
import {
  COMPONENT_DIMENSION,
  CHECK_DIMENSION,
  METRICS_NAMESPACE,
  MetricName,
  PROBE_CHECK_DIMENSION_NAMES,
  PROBE_HEALTHY_DIMENSION_NAMES,
} from '../shared/observability/metric-names';
import { saveProbeResult } from '../shared/probes/store';
import { setSecretsProviderForTests } from '../shared/secrets/provider';
import { call, setupApi } from './support/api';
import { startCoturn, type RunningCoturn } from './support/coturn';

// The scheduled probe handlers (run as the local server runs them) against a real coturn and a
// stand-in Jitsi front on loopback, and the health routes answering from what they stored.

vi.hoisted(() => {
  // Before any module creates the logger or a Metrics instance: this file checks what they print.
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
});

const SECRET = 'health-test-secret-5d1e8a73c2';
const WRONG_SECRET = 'not-the-coturn-secret-94b0f1';
const PERIOD_SECONDS = 60;

interface EmfDocument {
  _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  [key: string]: unknown;
}

let printed: string[] = [];
const emitted = (name: string) =>
  printed
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfDocument)
    .filter((doc) => doc._aws.CloudWatchMetrics.some((set) => set.Metrics.some((metric) => metric.Name === name)));

type FrontMode = 'jitsi' | 'bad-gateway' | 'not-jitsi';

const JITSI_PAGE =
  '<!DOCTYPE html><html><head><script src="config.js"></script><script src="libs/app.bundle.min.js"></script></head></html>';
const CONFIG_JS = "var config = { hosts: { domain: 'meet.test' }, bosh: '/http-bind' };";
const BOSH_SESSION =
  "<body xmlns='http://jabber.org/protocol/httpbind' sid='s1' wait='5'><stream:features xmlns:stream='http://etherx.jabber.org/streams'/></body>";

/** A Jitsi front on 127.0.0.1: the page, config.js and prosody's BOSH, or a failing variant. */
async function standInFront() {
  let mode: FrontMode = 'jitsi';
  const server = http.createServer((request, response) => {
    request.resume();
    const answer = (status: number, body = '') => response.writeHead(status, { 'content-type': 'text/html' }).end(body);
    if (mode === 'bad-gateway') return answer(502, '<html>502 Bad Gateway</html>');
    const route = `${request.method} ${request.url?.split('?')[0]}`;
    if (route === 'GET /') return answer(200, mode === 'jitsi' ? JITSI_PAGE : '<html><title>Welcome to nginx!</title></html>');
    if (mode === 'jitsi' && route === 'GET /config.js') return answer(200, CONFIG_JS);
    if (mode === 'jitsi' && route === 'POST /http-bind') return answer(200, BOSH_SESSION);
    return answer(404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    setMode: (next: FrontMode) => (mode = next),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let coturn: RunningCoturn;
let front: Awaited<ReturnType<typeof standInFront>>;

function configure(env: Record<string, string>) {
  Object.assign(process.env, env);
  resetConfigForTests();
  setSecretsProviderForTests(undefined);
}

function expectNothingSensitive(raw: string) {
  for (const secret of [SECRET, WRONG_SECRET, process.env.JITSI_JWT_SECRET as string]) expect(raw).not.toContain(secret);
  expect(raw).not.toMatch(/\d+\.\d+\.\d+\.\d+/);
  expect(raw).not.toContain(String(coturn.port));
  expect(raw).not.toContain(front.url);
}

beforeAll(async () => {
  await setupApi();
  [coturn, front] = await Promise.all([startCoturn({ secret: SECRET }), standInFront()]);
  configure({
    TURN_HOST: coturn.host,
    TURN_PORT: String(coturn.port),
    TURN_SECRET: SECRET,
    JITSI_PUBLIC_URL: front.url,
    PROBE_INTERVAL_SECONDS: String(PERIOD_SECONDS),
  });
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      printed.push(String(chunk));
      // Keep EMF and log lines (warnings go to stderr) out of the test report; anything else still shows.
      return String(chunk).startsWith('{') ? true : write(chunk, ...(rest as []));
    });
  }
});

afterAll(async () => {
  vi.restoreAllMocks();
  setSecretsProviderForTests(undefined);
  await Promise.all([coturn?.stop(), front?.close()]);
});

beforeEach(() => {
  printed = [];
});

describe('health routes before any probe ran', () => {
  it.each(['health.jitsi', 'health.coturn'] as const)('%s answers 503 unknown with checked_at null', async (operation) => {
    const response = await call(operation);
    expect(response.status).toBe(503);
    expect(response.headers['retry-after']).toBe(String(PERIOD_SECONDS));
    expect(response.body).toEqual({
      component: operation.split('.')[1],
      status: 'unknown',
      checked_at: null,
      latency_ms: null,
      checks: [],
      detail: expect.stringMatching(/^No probe result yet/),
    });
  });
});

describe('the coturn probe and GET /api/calls/health/coturn', () => {
  it('answers 200 ok after a probe with the right TURN secret', async () => {
    configure({ TURN_SECRET: SECRET });
    await expect(runJobOnce('probes.coturn')).resolves.toEqual({ component: 'coturn', status: 'ok', stored: true });
    const response = await call('health.coturn');
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ component: 'coturn', status: 'ok', latency_ms: expect.any(Number) });
    expect(response.body.checks.map((check: { name: string; ok: boolean }) => [check.name, check.ok])).toEqual([
      ['stun_binding', true],
      ['turn_allocate', true],
    ]);
    expect(Date.now() - Date.parse(response.body.checked_at)).toBeLessThan(10_000);
    expectNothingSensitive(response.raw);
  });

  it('answers 503 down with the auth reason after a probe with a wrong TURN secret', async () => {
    configure({ TURN_SECRET: WRONG_SECRET });
    await runJobOnce('probes.coturn');
    const response = await call('health.coturn');
    expect(response.status).toBe(503);
    expect(response.body.status).toBe('down');
    expect(response.body.checks).toContainEqual({
      name: 'turn_allocate',
      ok: false,
      latency_ms: expect.any(Number),
      detail: expect.stringContaining("TURN rejected the credentials (401): the shared secret does not match coturn's static-auth-secret"),
    });
    expectNothingSensitive(response.raw);
    expectNothingSensitive(printed.join(''));
  });

  it('emits ProbeHealthy 1 then 0 with the component dimension, and a latency per check', async () => {
    configure({ TURN_SECRET: SECRET });
    await runJobOnce('probes.coturn');
    configure({ TURN_SECRET: WRONG_SECRET });
    await runJobOnce('probes.coturn');
    const healthy = emitted(MetricName.ProbeHealthy);
    expect(healthy.map((doc) => doc[MetricName.ProbeHealthy])).toEqual([1, 0]);
    for (const doc of healthy) {
      expect(doc._aws.CloudWatchMetrics[0]).toMatchObject({
        Namespace: METRICS_NAMESPACE,
        Dimensions: [[...PROBE_HEALTHY_DIMENSION_NAMES]],
      });
      expect(doc).toMatchObject({ service: 'jitsi-calls', stage: 'local', [COMPONENT_DIMENSION]: 'coturn' });
    }
    const latencies = emitted(MetricName.ProbeCheckLatency);
    expect(latencies.map((doc) => doc[CHECK_DIMENSION])).toEqual(['stun_binding', 'turn_allocate', 'stun_binding', 'turn_allocate']);
    expect(latencies[0]?._aws.CloudWatchMetrics[0]).toMatchObject({
      Dimensions: [[...PROBE_CHECK_DIMENSION_NAMES]],
      Metrics: [{ Name: MetricName.ProbeCheckLatency, Unit: 'Milliseconds' }],
    });
    expect(latencies[0]?.[MetricName.ProbeCheckLatency]).toEqual(expect.any(Number));
  });

  it('answers 503 unknown with the stale time when the stored result is older than three periods', async () => {
    const checkedAt = new Date(Date.now() - (3 * PERIOD_SECONDS + 5) * 1000).toISOString();
    // Written directly: saveProbeResult refuses to replace a newer result with an older one.
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName(),
        Item: toAttributes({
          ...keys.probeResult('coturn'),
          component: 'coturn',
          status: 'ok',
          checked_at: checkedAt,
          latency_ms: 9,
          checks: [],
        }),
      }),
    );
    const response = await call('health.coturn');
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({
      status: 'unknown',
      checked_at: checkedAt,
      checks: [],
      detail: expect.stringMatching(/older than 180 s/),
    });
  });

  it('keeps the newer result when a slower, older run finishes last', async () => {
    const now = Date.now();
    const result = (at: number, status: 'ok' | 'down') => ({
      component: 'coturn' as const,
      status,
      checked_at: new Date(at).toISOString(),
      latency_ms: 1,
      checks: [],
    });
    expect(await saveProbeResult(result(now, 'ok'))).toBe(true);
    expect(await saveProbeResult(result(now - 1000, 'down'))).toBe(false);
    expect((await call('health.coturn')).body).toMatchObject({ status: 'ok', checked_at: new Date(now).toISOString() });
  });
});

describe('the Jitsi probe and GET /api/calls/health/jitsi', () => {
  it('answers 200 ok when the front, BOSH and the JWT canary pass', async () => {
    front.setMode('jitsi');
    await runJobOnce('probes.jitsi');
    const response = await call('health.jitsi');
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('ok');
    expect(response.body.checks.map((check: { name: string; ok: boolean }) => [check.name, check.ok])).toEqual([
      ['public_front', true],
      ['xmpp', true],
      ['jwt_canary', true],
    ]);
    expectNothingSensitive(response.raw);
  });

  it('answers 503 down when the front answers 502', async () => {
    front.setMode('bad-gateway');
    await runJobOnce('probes.jitsi');
    const response = await call('health.jitsi');
    expect(response.status).toBe(503);
    expect(response.body.status).toBe('down');
    expect(response.body.checks[0]).toMatchObject({
      name: 'public_front',
      ok: false,
      detail: expect.stringContaining('JITSI_PUBLIC_URL answered HTTP 502'),
    });
  });

  it('answers 503 down when the URL serves a page that is not Jitsi', async () => {
    front.setMode('not-jitsi');
    await runJobOnce('probes.jitsi');
    const response = await call('health.jitsi');
    expect(response.status).toBe(503);
    expect(response.body.checks[0].detail).toMatch(/^JITSI_PUBLIC_URL answers 200 but is not a Jitsi Meet front/);
  });

  it('answers 503 down when the signing key join uses is not the current one (the canary)', async () => {
    front.setMode('jitsi');
    const staleKey = 'a-stale-cached-jitsi-secret-0123456789abcdef';
    // The cached provider still holds the old key; the canary's fresh read gets JITSI_JWT_SECRET.
    setSecretsProviderForTests({
      jitsiSigningKey: async () => ({ alg: 'HS256', secret: staleKey }),
      turnAuth: async () => ({ kind: 'none' }),
      jitsiSystemKey: () => Promise.reject(new Error('not used by the probe')),
      jitsiEventsSecret: () => Promise.reject(new Error('not used by the probe')),
      jaasWebhookSecret: () => Promise.reject(new Error('not used by the probe')),
    });
    try {
      await runJobOnce('probes.jitsi');
    } finally {
      setSecretsProviderForTests(undefined);
    }
    const response = await call('health.jitsi');
    expect(response.status).toBe(503);
    const canary = response.body.checks.find((check: { name: string }) => check.name === 'jwt_canary');
    expect(canary).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/signing key in use differs from the current one .*rotation is propagating/),
    });
    expect(response.raw).not.toContain(staleKey);
    expect(printed.join('')).not.toContain(staleKey);
    expect(emitted(MetricName.ProbeHealthy).at(-1)).toMatchObject({ [COMPONENT_DIMENSION]: 'jitsi', [MetricName.ProbeHealthy]: 0 });
  });
});
