import { createHmac, timingSafeEqual } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { MetricName } from '../observability/metric-names';
import { attemptDelivery } from './attempt';
import { EVENT_TYPES, parseWebhookEvent, type WebhookEvent } from './envelope';
import { deliveryKey, newPendingDeliveries, rawBodyOf, redactUrl, runDelivery, type PendingDelivery } from './engine';
import { DEFAULT_RETRY_POLICY, nextStep, retryDelayMs } from './schedule';
import { signatureHeader } from './signature';
import { splitWebhookUrls, webhookUrlProblem } from './urls';

const SECRET = 'whsec-unit-test-0123456789abcdef0123456789abcdef';
const event: WebhookEvent = {
  id: 'evt_01',
  type: 'CallStarted',
  occurred_at: '2026-11-21T09:00:00.000Z',
  data: { call_id: 'c1', thread_id: 't1', invited_user_ids: ['bob'] },
};

interface Captured {
  url: string;
  headers: Headers;
  body: string;
}

/** A fetch that records the request and answers with the given statuses in turn; no network. */
function recordingFetch(statuses: number[], captured: Captured[] = []): typeof fetch {
  return (async (url: string | URL | Request, init?: RequestInit) => {
    captured.push({ url: String(url), headers: new Headers(init?.headers), body: String(init?.body) });
    return new Response(null, { status: statuses.shift() ?? 200 });
  }) as typeof fetch;
}

/** What a receiver does, with node:crypto only: parse, check t within 5 minutes, constant-time compare, dedupe by id. */
function receiverVerify(rawBody: string, header: string | null, nowSeconds: number, seen: Set<string>) {
  if (!header) return 'missing signature';
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=') as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > 300) return 'stale';
  const expected = createHmac('sha256', SECRET).update(`${parts.t}.${rawBody}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad signature';
  const { id } = JSON.parse(rawBody) as { id: string };
  if (seen.has(id)) return 'duplicate';
  seen.add(id);
  return 'accepted';
}

describe('the envelope', () => {
  it('accepts every contract event type and rejects anything else, naming fields not values', () => {
    for (const type of EVENT_TYPES) expect(parseWebhookEvent({ ...event, type }).type).toBe(type);
    expect(EVENT_TYPES).toHaveLength(11);
    expect(() => parseWebhookEvent({ ...event, type: 'CallExploded' })).toThrow(/type: invalid_value/);
    expect(() => parseWebhookEvent({ ...event, id: '' })).toThrow(/id: too_small/);
    expect(() => parseWebhookEvent({ ...event, occurred_at: 'yesterday-secret' })).not.toThrow(/yesterday-secret/);
  });

  it('serializes the body in envelope order with nothing else', () => {
    expect(rawBodyOf({ data: event.data, type: event.type, id: event.id, occurred_at: event.occurred_at } as WebhookEvent)).toBe(
      '{"id":"evt_01","type":"CallStarted","occurred_at":"2026-11-21T09:00:00.000Z","data":{"call_id":"c1","thread_id":"t1","invited_user_ids":["bob"]}}',
    );
  });
});

describe('signing', () => {
  it('signs "<t>.<raw body>" with HMAC-SHA256 in hex, t in whole seconds', () => {
    const header = signatureHeader(SECRET, '{"a":1}', 1_800_000_000.9);
    const expected = createHmac('sha256', SECRET).update('1800000000.{"a":1}').digest('hex');
    expect(header).toBe(`t=1800000000,v1=${expected}`);
  });

  it('delivers a body whose signature a receiver verifies with node:crypto, rejects when stale or tampered, and deduplicates by id', async () => {
    const captured: Captured[] = [];
    const nowMs = 1_800_000_000_000;
    const outcome = await attemptDelivery({
      url: 'https://erp.example/hooks?token=abc',
      rawBody: rawBodyOf(event),
      eventId: event.id,
      eventType: event.type,
      secret: SECRET,
      stage: 'prod',
      now: () => nowMs,
      fetch: recordingFetch([204, 204], captured),
    });
    expect(outcome).toMatchObject({ delivered: true, status: 204 });
    const [request] = captured;
    expect(request!.headers.get('content-type')).toBe('application/json');
    expect(request!.headers.get('x-calls-event-id')).toBe('evt_01');
    const header = request!.headers.get('x-calls-signature');
    const seen = new Set<string>();
    expect(receiverVerify(request!.body, header, nowMs / 1000 + 10, seen)).toBe('accepted');
    expect(receiverVerify(request!.body, header, nowMs / 1000 + 10, seen)).toBe('duplicate');
    expect(receiverVerify(request!.body, header, nowMs / 1000 + 301, new Set())).toBe('stale');
    expect(receiverVerify(request!.body.replace('bob', 'eve'), header, nowMs / 1000, new Set())).toBe('bad signature');
    const flipped = header!.replace(/v1=(.)/, (_match, digit: string) => `v1=${digit === '0' ? '1' : '0'}`);
    expect(receiverVerify(request!.body, flipped, nowMs / 1000, new Set())).toBe('bad signature');
  });
});

describe('one attempt', () => {
  const base = { rawBody: '{}', eventId: 'e', eventType: 'CallStarted', secret: SECRET };

  it('counts only 2xx as delivered: 3xx, 4xx and 5xx are failures with the status as reason', async () => {
    for (const [status, delivered] of [
      [200, true],
      [299, true],
      [302, false],
      [410, false],
      [503, false],
    ] as const) {
      const outcome = await attemptDelivery({ ...base, url: 'https://r.example/', stage: 'prod', fetch: recordingFetch([status]) });
      expect(outcome.delivered, String(status)).toBe(delivered);
      if (!outcome.delivered) expect(outcome.reason).toBe(`HTTP ${status}`);
    }
  });

  it('gives up after the timeout and reports it as "timeout"', async () => {
    const hanging = ((_url: string, init?: RequestInit) =>
      new Promise((_resolve, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)))) as typeof fetch;
    const outcome = await attemptDelivery({ ...base, url: 'https://r.example/', stage: 'prod', fetch: hanging, timeoutMs: 20 });
    expect(outcome).toMatchObject({ delivered: false, reason: 'timeout' });
  });

  it('refuses plain http outside loopback and outside the local server, without sending', async () => {
    const captured: Captured[] = [];
    const send = (url: string, stage: string) => attemptDelivery({ ...base, url, stage, fetch: recordingFetch([200], captured) });
    expect(await send('http://erp.example/hook', 'local')).toMatchObject({ delivered: false, reason: expect.stringMatching(/https/) });
    expect(await send('http://127.0.0.1:9/hook', 'prod')).toMatchObject({ delivered: false });
    expect(captured).toHaveLength(0);
    expect(await send('http://127.0.0.1:9/hook', 'local')).toMatchObject({ delivered: true });
  });
});

describe('receiver URLs', () => {
  it('accepts https anywhere and http to loopback only locally', () => {
    expect(webhookUrlProblem('https://erp.example/h', 'prod')).toBeUndefined();
    expect(webhookUrlProblem('http://localhost:8080/h', 'local')).toBeUndefined();
    expect(webhookUrlProblem('http://[::1]:8080/h', 'local')).toBeUndefined();
    expect(webhookUrlProblem('http://localhost:8080/h', 'dev')).toMatch(/https in a deployed stage/);
    expect(webhookUrlProblem('http://10.0.0.1/h', 'local')).toMatch(/loopback/);
    expect(webhookUrlProblem('ftp://x.example/h', 'local')).toBeDefined();
    expect(webhookUrlProblem('https://user:pw@x.example/h', 'prod')).toMatch(/credentials/);
    expect(webhookUrlProblem('not a url', 'prod')).toMatch(/not a URL/);
    expect(splitWebhookUrls(' https://a.example/1, ,https://b.example/2 ')).toEqual(['https://a.example/1', 'https://b.example/2']);
  });

  it('logs a URL without its query string', () => {
    expect(redactUrl('https://erp.example/hooks?token=secret')).toBe('https://erp.example/hooks');
  });
});

describe('the retry schedule', () => {
  it('retries first within 10 s, grows exponentially with jitter, and caps the step at an hour', () => {
    expect(retryDelayMs(1, DEFAULT_RETRY_POLICY, () => 0)).toBe(5_000);
    expect(retryDelayMs(1, DEFAULT_RETRY_POLICY, () => 0.999999)).toBeLessThanOrEqual(10_000);
    expect(retryDelayMs(2, DEFAULT_RETRY_POLICY, () => 1)).toBe(20_000);
    expect(retryDelayMs(5, DEFAULT_RETRY_POLICY, () => 1)).toBe(160_000);
    expect(retryDelayMs(50, DEFAULT_RETRY_POLICY, () => 1)).toBe(3_600_000);
    expect(retryDelayMs(50, DEFAULT_RETRY_POLICY, () => 0)).toBe(1_800_000);
    const jittered = new Set(Array.from({ length: 20 }, () => retryDelayMs(3, DEFAULT_RETRY_POLICY)));
    expect(jittered.size).toBeGreaterThan(1);
  });

  it('keeps retrying for at least 24 h, then dead-letters', () => {
    const first = 0;
    let now = first;
    let attempts = 0;
    for (;;) {
      attempts += 1;
      const step = nextStep(attempts, first, now, DEFAULT_RETRY_POLICY, () => 1);
      if (step.kind === 'dead-letter') break;
      now = step.dueAt;
    }
    expect(now - first).toBeGreaterThanOrEqual(24 * 3_600_000);
    expect(now - first).toBeLessThan(25 * 3_600_000);
    expect(attempts).toBeGreaterThan(20);
  });
});

describe('the delivery engine', () => {
  const pending = (overrides: Partial<PendingDelivery> = {}): PendingDelivery => ({
    ...newPendingDeliveries(event, ['https://r.example/h'], 0)[0]!,
    ...overrides,
  });

  it('schedules a retry after a failure, starting the 24 h window at the first attempt, and counts it', async () => {
    const counted: string[] = [];
    const result = await runDelivery(pending(), {
      secret: SECRET,
      stage: 'prod',
      now: () => 1_000_000,
      random: () => 1,
      fetch: recordingFetch([500]),
      count: (name) => counted.push(name),
    });
    expect(result.kind).toBe('retry');
    if (result.kind !== 'retry') return;
    expect(result.next).toMatchObject({
      attempts: 1,
      first_attempt_at: new Date(1_000_000).toISOString(),
      due_at: new Date(1_010_000).toISOString(),
      last_error: 'HTTP 500',
    });
    expect(counted).toEqual([MetricName.WebhookDeliveryFailed]);
  });

  it('dead-letters a failure 24 h after the first attempt and counts both metrics', async () => {
    const counted: string[] = [];
    const firstAttempt = Date.parse('2026-11-20T09:00:00.000Z');
    const result = await runDelivery(pending({ attempts: 30, first_attempt_at: new Date(firstAttempt).toISOString() }), {
      secret: SECRET,
      stage: 'prod',
      now: () => firstAttempt + 24 * 3_600_000,
      fetch: recordingFetch([503]),
      count: (name) => counted.push(name),
    });
    expect(result.kind).toBe('dead-letter');
    if (result.kind === 'dead-letter') expect(result.record).toMatchObject({ attempts: 31, last_error: 'HTTP 503' });
    expect(counted).toEqual([MetricName.WebhookDeliveryFailed, MetricName.WebhookDeadLettered]);
  });

  it('counts a delivery', async () => {
    const counted: string[] = [];
    const result = await runDelivery(pending(), {
      secret: SECRET,
      stage: 'prod',
      fetch: recordingFetch([200]),
      count: (n) => counted.push(n),
    });
    expect(result.kind).toBe('delivered');
    expect(counted).toEqual([MetricName.WebhookDelivered]);
  });

  it('keys a delivery by event and URL', () => {
    expect(deliveryKey('e1', 'https://a.example/')).toBe(deliveryKey('e1', 'https://a.example/'));
    expect(deliveryKey('e1', 'https://a.example/')).not.toBe(deliveryKey('e1', 'https://b.example/'));
    expect(deliveryKey('e1', 'https://a.example/')).toMatch(/^[0-9a-f]{32}$/);
  });
});
