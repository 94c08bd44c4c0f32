import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../infra/local/dynamodb-local';
import {
  killStartedDevServers,
  startDevServer,
  waitFor,
  waitUntilNothingOutlives,
  processTree,
  devApi,
  devToken,
} from './support/dev-server';

// The outbox through the real local server: a start answered 201, the server killed with SIGKILL
// before any receiver accepted anything, and CallStarted still reaches a webhook receiver (that
// failed its first deliveries) and the events file after the restart on the same DATA_DIR.

afterAll(killStartedDevServers);

const SECRET = 'outbox-crash-test-secret-0123456789abcdef';

interface Delivery {
  body: string;
  signature: string;
}

/** A loopback receiver that answers 503 until `accepting` is set, and records what it accepted. */
async function startReceiver() {
  const accepted: Delivery[] = [];
  let refused = 0;
  const state = { accepting: false };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (!state.accepting) {
        refused++;
        response.writeHead(503).end();
        return;
      }
      accepted.push({ body: Buffer.concat(chunks).toString('utf8'), signature: String(request.headers['x-calls-signature'] ?? '') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/calls`,
    accepted,
    refusedCount: () => refused,
    state,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Checks the signature the way docs/webhooks.md tells a receiver to. */
function verified(delivery: Delivery): boolean {
  const parts = Object.fromEntries(delivery.signature.split(',').map((part) => part.split('=') as [string, string]));
  const expected = createHmac('sha256', SECRET).update(`${parts.t}.${delivery.body}`).digest();
  const given = Buffer.from(parts.v1 ?? '', 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected) && Math.abs(Date.now() / 1000 - Number(parts.t)) < 300;
}

const eventLines = (file: string): any[] =>
  existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line))
    : [];

describe('the outbox across a crash of the local server', () => {
  it('delivers CallStarted after a SIGKILL right after the 201, to a receiver that refused the first deliveries', async () => {
    const receiver = await startReceiver();
    const dataDir = mkdtempSync(join(tmpdir(), 'calls-outbox-crash-'));
    const env = { DATA_DIR: dataDir, WEBHOOK_URLS: receiver.url, WEBHOOK_SECRET: SECRET };
    try {
      const server = await startDevServer({ env: { ...env, PORT: String(await freePort()) } });
      const alice = await devToken(server, 'alice');
      const thread = await devApi(server, 'POST', '/api/threads', alice, { member_ids: ['bob'] });
      expect(thread.status).toBe(201);
      const started = await devApi(server, 'POST', '/api/calls/start', alice, { thread_id: thread.body.thread_id, call_type: 'audio' });
      expect(started.status).toBe(201);
      const chain = processTree(server.child.pid as number);
      process.kill(server.serverPid, 'SIGKILL');
      await waitUntilNothingOutlives(chain, dataDir, server.port);
      expect(receiver.accepted).toEqual([]);

      const restarted = await startDevServer({ env: { ...env, PORT: String(await freePort()) } });
      // The receiver fails at least once after the restart too, then recovers: the deliverer retries.
      await waitFor(() => receiver.refusedCount() > 0, 30_000);
      receiver.state.accepting = true;
      const delivery = await waitFor(
        () => receiver.accepted.find((candidate) => JSON.parse(candidate.body).data.call_id === started.body.call_id),
        60_000,
        () => `(received ${receiver.accepted.length}, refused ${receiver.refusedCount()})\n${restarted.output()}`,
      );
      const event = JSON.parse(delivery.body);
      expect(event).toMatchObject({
        type: 'CallStarted',
        data: { call_id: started.body.call_id, thread_id: thread.body.thread_id, initiator_id: 'alice', invited_user_ids: ['bob'] },
      });
      expect(verified(delivery)).toBe(true);

      // The events file (the local bus) has it too, once the relay handed it over.
      const eventsFile = join(dataDir, 'events.jsonl');
      const lines = await waitFor(() => {
        const found = eventLines(eventsFile).filter((line) => line.detail.id === event.id);
        return found.length > 0 ? found : undefined;
      }, 10_000);
      expect(lines.length).toBeGreaterThanOrEqual(1);
      expect(lines[0]).toMatchObject({ source: 'jitsi-calls', 'detail-type': 'CallStarted' });
      process.kill(restarted.serverPid, 'SIGTERM');
      await restarted.exited;
    } finally {
      await receiver.close();
    }
  }, 240_000);
});
