import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { freePort } from '../infra/local/dynamodb-local';
import { startLocalServer, type LocalServer } from '../infra/local/server';
import type { EventType, WebhookEvent } from '../shared/webhooks/envelope';
import { liveUrl, openLive, refusedUpgrade, type LiveClient } from './support/live-client';

// The live channel through the local server: the real upgrade, authorization and fan-out, with
// rooms made through the HTTP API. Events are handed to liveChannel.publish, as the outbox does.

let server: LocalServer;
let dataDir: string;
const clients: LiveClient[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'calls-live-'));
  server = await startLocalServer(
    {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      TABLE_NAME: process.env.TABLE_NAME,
      DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
    },
    { log: () => undefined },
  );
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const token = (sub: string, roles?: string[]) => server.issuer.sign({ sub, ...(roles ? { roles } : {}) });

async function connect(sub: string) {
  const client = await openLive(server.url, await token(sub));
  clients.push(client);
  return client;
}

async function api(method: string, path: string, as: string, body?: unknown, roles?: string[]) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await token(as, roles)}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

const event = (type: EventType, data: Record<string, unknown>): WebhookEvent => ({
  id: randomUUID(),
  type,
  occurred_at: new Date().toISOString(),
  data,
});

describe('live channel (local server)', () => {
  it('refuses a missing, malformed, wrongly signed or forged token with 401 before the upgrade', async () => {
    const wrongKey = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuer(server.issuer.issuer)
      .setAudience(server.issuer.audience)
      .setExpirationTime('10m')
      .sign(new TextEncoder().encode('x'.repeat(32)));
    const badSignature = await server.issuer.sign({ sub: 'mallory' }).then((good) => good.slice(0, -4) + 'AAAA');
    for (const [why, url] of [
      ['missing', `${server.url.replace('http', 'ws')}/api/live`],
      ['garbage', liveUrl(server.url, 'not-a-jwt')],
      ['wrong key and algorithm', liveUrl(server.url, wrongKey)],
      ['bad signature', liveUrl(server.url, badSignature)],
    ] as const) {
      const refused = await refusedUpgrade(url);
      expect(refused, why).toMatchObject({ status: 401, upgraded: false });
      expect(JSON.parse(refused.body), why).toMatchObject({ error: 'unauthorized' });
    }
    expect(server.liveChannel.connectionCount('mallory')).toBe(0);
  });

  it('answers 404 to an upgrade on any other path', async () => {
    const refused = await refusedUpgrade(`${server.url.replace('http', 'ws')}/api/other?token=${await token('ann')}`);
    expect(refused).toMatchObject({ status: 404, upgraded: false });
  });

  it('answers a ping with pong', async () => {
    const client = await connect('pinger');
    client.socket.send('ping');
    expect(await client.next()).toBe('pong');
  });

  it('rings both devices of an invitee, tells participants of joins, leaves and the end, and nobody else', async () => {
    const thread = await api('POST', '/api/threads', 'alice', { title: 'Live', member_ids: ['bob'] });
    expect(thread.status).toBe(201);
    const started = await api('POST', '/api/calls/start', 'alice', { thread_id: thread.body.thread_id, call_type: 'video' });
    expect(started.status).toBe(201);
    const callId = started.body.call_id as string;
    const threadId = thread.body.thread_id as string;

    const [alice, bobPhone, bobLaptop, carol] = [
      await connect('alice'),
      await connect('bob'),
      await connect('bob'),
      await connect('carol'),
    ];
    expect(server.liveChannel.connectionCount('bob')).toBe(2);

    const ring = event('CallStarted', { call_id: callId, thread_id: threadId, invited_user_ids: ['bob'] });
    expect(await server.liveChannel.publish(ring)).toMatchObject({ sent: 3, gone: 0, failed: 0 });
    expect(await bobPhone.next()).toEqual(ring);
    expect(await bobLaptop.next()).toEqual(ring);
    // The initiator joined with the start: she is in the call.
    expect(await alice.next()).toEqual(ring);

    expect((await api('POST', `/api/calls/${callId}/join`, 'bob')).status).toBe(200);
    const joined = event('ParticipantJoined', { call_id: callId, thread_id: threadId, user_id: 'bob' });
    await server.liveChannel.publish(joined);
    for (const client of [alice, bobPhone, bobLaptop]) expect(await client.next()).toEqual(joined);

    expect((await api('POST', `/api/calls/${callId}/leave`, 'bob')).status).toBe(200);
    const left = event('ParticipantLeft', { call_id: callId, thread_id: threadId, user_id: 'bob' });
    await server.liveChannel.publish(left);
    for (const client of [alice, bobPhone, bobLaptop]) expect(await client.next()).toEqual(left);

    expect((await api('POST', `/api/calls/${callId}/end`, 'alice')).status).toBe(200);
    const ended = event('CallEnded', { call_id: callId, thread_id: threadId, end_reason: 'ended_by_user', duration_seconds: 1 });
    await server.liveChannel.publish(ended);
    for (const client of [alice, bobPhone, bobLaptop]) expect(await client.next()).toEqual(ended);

    // Frames on one connection arrive in order: carol's first frame is the one meant for her,
    // so none of the call's events reached her.
    const forCarol = event('CallInvitationMissed', { call_id: randomUUID(), thread_id: randomUUID(), user_id: 'carol' });
    await server.liveChannel.publish(forCarol);
    expect(await carol.next()).toEqual(forCarol);
    expect(carol.pending()).toEqual([]);
    expect(alice.pending()).toEqual([]);
  });

  it('sends a live class its participant and end events', async () => {
    expect((await api('PUT', '/api/courses/bio-live/instructors/tina', 'ada', undefined, ['admin'])).status).toBe(204);
    expect((await api('PUT', '/api/courses/bio-live/enrollments/sam', 'tina', undefined, ['instructor'])).status).toBe(204);
    expect((await api('PUT', '/api/courses/bio-live/enrollments/sue', 'tina', undefined, ['instructor'])).status).toBe(204);
    const created = await api('POST', '/api/courses/bio-live/live-classes', 'tina', { title: 'Cells' }, ['instructor']);
    expect(created.status).toBe(201);
    const classId = created.body.live_class_id as string;
    expect((await api('POST', `/api/live-classes/${classId}/start`, 'tina', undefined, ['instructor'])).status).toBe(200);
    expect((await api('POST', `/api/live-classes/${classId}/join`, 'sam', undefined, ['student'])).status).toBe(200);

    const [tina, sam, sue] = [await connect('tina'), await connect('sam'), await connect('sue')];
    const joined = event('ParticipantJoined', { live_class_id: classId, course_id: 'bio-live', user_id: 'sam' });
    expect((await server.liveChannel.publish(joined)).users.sort()).toEqual(['sam', 'tina']);
    expect(await tina.next()).toEqual(joined);
    expect(await sam.next()).toEqual(joined);

    const ended = event('LiveClassEnded', { live_class_id: classId, course_id: 'bio-live' });
    await server.liveChannel.publish(ended);
    expect(await tina.next()).toEqual(ended);
    expect(await sam.next()).toEqual(ended);
    // Enrolled but never in the class: sue's first frame is her own.
    const forSue = event('CallInvitationDeclined', { call_id: randomUUID(), thread_id: randomUUID(), user_id: 'sue' });
    await server.liveChannel.publish(forSue);
    expect(await sue.next()).toEqual(forSue);
  });

  it('forgets a connection the client closed, and keeps delivering to the other', async () => {
    const [first, second] = [await connect('dora'), await connect('dora')];
    expect(server.liveChannel.connectionCount('dora')).toBe(2);
    await second.close();
    await vi.waitFor(() => expect(server.liveChannel.connectionCount('dora')).toBe(1));
    const ring = event('CallStarted', { call_id: randomUUID(), thread_id: randomUUID(), invited_user_ids: ['dora'] });
    expect(await server.liveChannel.publish(ring)).toMatchObject({ sent: 1, gone: 0 });
    expect(await first.next()).toEqual(ring);
    expect(second.pending()).toEqual([]);
  });
});
