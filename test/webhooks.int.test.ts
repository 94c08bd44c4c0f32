import { execFile } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import type { WebhookEvent } from '../shared/webhooks/envelope';
import { startWebhookDeliverer, type LocalDeliverer, type WebhookEventSource } from '../shared/webhooks/local-deliverer';
import { localWebhookStore } from '../shared/webhooks/local-store';

// Real HTTP receivers on loopback, the local deliverer with a compressed retry schedule, files in a temp DATA_DIR.

const SECRET = 'webhook-int-test-secret-0123456789abcdef';
const FAST = { firstDelayMs: 40, maxDelayMs: 100, giveUpAfterMs: 60_000 };

interface Received {
  body: string;
  signature: string | undefined;
  accepted: boolean;
}

interface Receiver {
  url: string;
  received: Received[];
  /** Statuses to answer in turn; then `thereafter`. */
  script: number[];
  thereafter: number;
  waitFor(count: number): Promise<void>;
  close(): Promise<void>;
}

async function startReceiver(script: number[], thereafter: number): Promise<Receiver> {
  const waiters: { count: number; resolve: () => void }[] = [];
  const receiver = { received: [] as Received[], script, thereafter } as Receiver;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const status = receiver.script.shift() ?? receiver.thereafter;
      const header = request.headers['x-calls-signature'];
      receiver.received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: typeof header === 'string' ? header : undefined,
        accepted: status < 300,
      });
      response.writeHead(status).end();
      for (const waiter of waiters.filter((w) => receiver.received.length >= w.count)) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`;
  receiver.waitFor = (count) =>
    receiver.received.length >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));
  receiver.close = () => new Promise((resolve) => server.close(() => resolve()));
  return receiver;
}

/** A receiver's check with node:crypto: t within 5 minutes, constant-time compare. */
function verifies(received: Received): boolean {
  const parts = Object.fromEntries((received.signature ?? '').split(',').map((part) => part.split('=') as [string, string]));
  if (Math.abs(Date.now() / 1000 - Number(parts.t)) > 300) return false;
  const expected = createHmac('sha256', SECRET).update(`${parts.t}.${received.body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

function eventSource() {
  let accept: ((event: WebhookEvent) => Promise<void>) | undefined;
  const source: WebhookEventSource = (next) => {
    accept = next;
    return () => void (accept = undefined);
  };
  return { source, emit: (event: WebhookEvent) => accept!(event) };
}

const event = (id: string): WebhookEvent => ({
  id,
  type: 'CallStarted',
  occurred_at: new Date().toISOString(),
  data: { call_id: `call-${id}`, thread_id: 'thread-1', invited_user_ids: ['bob'] },
});

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function deliverer(options: Parameters<typeof startWebhookDeliverer>[0]): Promise<LocalDeliverer> {
  const started = await startWebhookDeliverer({ secret: SECRET, stage: 'local', pollIntervalMs: 50, ...options });
  cleanups.push(() => started.stop());
  return started;
}

describe('local webhook delivery', () => {
  it('retries a receiver that fails its first deliveries until it answers 2xx, signed every time', async () => {
    const flaky = await startReceiver([503, 500], 204);
    cleanups.push(() => flaky.close());
    const { source, emit } = eventSource();
    const dataDir = mkdtempSync(join(tmpdir(), 'webhooks-int-'));
    const running = await deliverer({ source, dataDir, urls: [flaky.url], policy: FAST });

    await emit(event('evt-flaky'));
    await flaky.waitFor(3);
    await running.drain();

    expect(flaky.received.map((r) => r.accepted)).toEqual([false, false, true]);
    expect(flaky.received.every(verifies)).toBe(true);
    expect(new Set(flaky.received.map((r) => (JSON.parse(r.body) as WebhookEvent).id))).toEqual(new Set(['evt-flaky']));
    expect(JSON.parse(flaky.received[2]!.body)).toEqual(expect.objectContaining({ id: 'evt-flaky', type: 'CallStarted' }));
    expect(await running.store.listPending()).toEqual([]);
    expect(await running.store.listDeadLetters()).toEqual([]);
  });

  it('keeps a pending delivery across a restart and delivers it after', async () => {
    const receiver = await startReceiver([500], 200);
    cleanups.push(() => receiver.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'webhooks-int-'));
    // A long first delay: the retry is still pending on disk when the first deliverer stops.
    const slow = { firstDelayMs: 60_000, maxDelayMs: 60_000, giveUpAfterMs: 3_600_000 };
    const first = eventSource();
    const before = await startWebhookDeliverer({
      source: first.source,
      dataDir,
      urls: [receiver.url],
      secret: SECRET,
      stage: 'local',
      policy: slow,
    });
    await first.emit(event('evt-restart'));
    await receiver.waitFor(1);
    await before.drain();
    await before.stop();
    const [pending] = await localWebhookStore(dataDir).listPending();
    expect(pending).toMatchObject({ attempts: 1, last_error: 'HTTP 500', event: { id: 'evt-restart' } });

    // The restarted deliverer finds it due (the clock is moved by rewriting due_at, as time passing would).
    await localWebhookStore(dataDir).putPending({ ...pending!, due_at: new Date(Date.now() - 1).toISOString() });
    await deliverer({ source: eventSource().source, dataDir, urls: [receiver.url], policy: slow });
    await receiver.waitFor(2);
    expect(receiver.received[1]).toMatchObject({ accepted: true });
    expect(verifies(receiver.received[1]!)).toBe(true);
  });

  it('dead-letters a receiver that never succeeds, then `npm run webhooks -- replay --id` re-delivers to the fixed receiver', async () => {
    const broken = await startReceiver([], 500);
    cleanups.push(() => broken.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'webhooks-int-'));
    let deadLettered!: () => void;
    const deadLetteredOnce = new Promise<void>((resolve) => (deadLettered = resolve));
    const { source, emit } = eventSource();
    const running = await deliverer({
      source,
      dataDir,
      urls: [broken.url],
      policy: { firstDelayMs: 20, maxDelayMs: 40, giveUpAfterMs: 150 },
      log: (line) => line.includes('dead-lettered') && deadLettered(),
    });

    await emit(event('evt-dead'));
    await emit(event('evt-other'));
    await deadLetteredOnce;
    await running.drain();
    await broken.waitFor(4);
    const store = localWebhookStore(dataDir);
    await expect.poll(async () => (await store.listDeadLetters()).length, { interval: 20, timeout: 5_000 }).toBe(2);
    const failedAttempts = broken.received.length;
    expect(failedAttempts).toBeGreaterThanOrEqual(4);
    expect(broken.received.some((r) => r.accepted)).toBe(false);

    broken.thereafter = 200;
    const list = await promisify(execFile)('npx', ['tsx', 'ops/webhooks.ts', 'list', '--data-dir', dataDir], { env: process.env });
    expect(list.stdout).toContain('evt-dead');
    expect(list.stdout).toContain('2 dead letter(s) listed');
    const replay = await promisify(execFile)('npx', ['tsx', 'ops/webhooks.ts', 'replay', '--id', 'evt-dead', '--data-dir', dataDir], {
      env: process.env,
    });
    expect(replay.stdout).toContain('1 dead letter(s) queued for delivery');

    await broken.waitFor(failedAttempts + 1);
    const redelivered = broken.received[failedAttempts]!;
    expect(redelivered.accepted).toBe(true);
    expect(verifies(redelivered)).toBe(true);
    expect((JSON.parse(redelivered.body) as WebhookEvent).id).toBe('evt-dead');
    await running.drain();
    expect((await store.listDeadLetters()).map((record) => record.event.id)).toEqual(['evt-other']);
  }, 60_000);

  it('accepts nothing when no receivers are configured', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'webhooks-int-'));
    const { source, emit } = eventSource();
    const running = await deliverer({ source, dataDir, urls: [] });
    await emit(event('evt-nowhere'));
    expect(await running.store.listPending()).toEqual([]);
  });
});
