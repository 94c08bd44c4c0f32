import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { LocalServer } from '../infra/local/server';
import type { EventType, WebhookEvent } from '../shared/webhooks/envelope';
import { liveUrl, openLive, refusedUpgrade, type LiveClient } from './support/live-client';
import { startInProcessServer } from './support/local-server';

// The live channel through the local server: the real upgrade, authorization and fan-out, with
// rooms made through the HTTP API and the events the outbox commits with them, relayed by the local server.

let server: LocalServer;
let stopServer: (() => Promise<void>) | undefined;
const clients: LiveClient[] = [];

beforeAll(async () => {
  ({ server, stop: stopServer } = await startInProcessServer('live'));
});

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await stopServer?.();
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

/** The next frame of `type` (and matching `where`); frames of other types before it are skipped. */
async function nextOf(client: LiveClient, type: EventType, where: (frame: WebhookEvent & { data: any }) => boolean = () => true) {
  for (;;) {
    const frame = (await client.next()) as WebhookEvent & { data: any };
    if (frame.type === type && where(frame)) return frame;
  }
}

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
    const [alice, bobPhone, bobLaptop, carol] = [
      await connect('alice'),
      await connect('bob'),
      await connect('bob'),
      await connect('carol'),
    ];
    expect(server.liveChannel.connectionCount('bob')).toBe(2);
    const thread = await api('POST', '/api/threads', 'alice', { title: 'Live', member_ids: ['bob'] });
    expect(thread.status).toBe(201);
    const threadId = thread.body.thread_id as string;

    // The events are the outbox's own, relayed by the local server as they are committed.
    const started = await api('POST', '/api/calls/start', 'alice', { thread_id: threadId, call_type: 'video' });
    expect(started.status).toBe(201);
    const callId = started.body.call_id as string;
    // Both of Bob's devices are rung; the initiator, in the call since the start, hears it too.
    for (const client of [bobPhone, bobLaptop, alice]) {
      expect(await nextOf(client, 'CallStarted')).toMatchObject({
        data: { call_id: callId, thread_id: threadId, invited_user_ids: ['bob'] },
      });
    }

    expect((await api('POST', `/api/calls/${callId}/join`, 'bob')).status).toBe(200);
    for (const client of [alice, bobPhone, bobLaptop]) {
      expect(await nextOf(client, 'ParticipantJoined')).toMatchObject({ data: { call_id: callId, user_id: 'bob' } });
    }

    expect((await api('POST', `/api/calls/${callId}/leave`, 'bob')).status).toBe(200);
    for (const client of [alice, bobPhone, bobLaptop]) {
      expect(await nextOf(client, 'ParticipantLeft')).toMatchObject({ data: { call_id: callId, user_id: 'bob', left_reason: 'left' } });
    }

    expect((await api('POST', `/api/calls/${callId}/end`, 'alice')).status).toBe(200);
    for (const client of [alice, bobPhone, bobLaptop]) {
      expect(await nextOf(client, 'CallEnded')).toMatchObject({ data: { call_id: callId, end_reason: 'ended', ended_by: 'alice' } });
    }

    // Frames on one connection arrive in order: carol's first frame is the one meant for her,
    // so none of the call's events reached her.
    const forCarol = event('CallInvitationMissed', { call_id: randomUUID(), thread_id: randomUUID(), user_id: 'carol' });
    await server.liveChannel.publish(forCarol);
    expect(await carol.next()).toEqual(forCarol);
    expect(carol.pending()).toEqual([]);
  });

  it('sends a live class its participant and end events', async () => {
    const [tina, sam, sue] = [await connect('tina'), await connect('sam'), await connect('sue')];
    expect((await api('PUT', '/api/courses/bio-live/instructors/tina', 'ada', undefined, ['admin'])).status).toBe(204);
    expect((await api('PUT', '/api/courses/bio-live/enrollments/sam', 'tina', undefined, ['instructor'])).status).toBe(204);
    expect((await api('PUT', '/api/courses/bio-live/enrollments/sue', 'tina', undefined, ['instructor'])).status).toBe(204);
    const created = await api('POST', '/api/courses/bio-live/live-classes', 'tina', { title: 'Cells' }, ['instructor']);
    expect(created.status).toBe(201);
    const classId = created.body.live_class_id as string;
    expect((await api('POST', `/api/live-classes/${classId}/start`, 'tina', undefined, ['instructor'])).status).toBe(200);
    expect((await api('POST', `/api/live-classes/${classId}/join`, 'sam', undefined, ['student'])).status).toBe(200);
    for (const client of [tina, sam]) {
      expect(await nextOf(client, 'ParticipantJoined', (frame) => frame.data.user_id === 'sam')).toMatchObject({
        data: { live_class_id: classId, course_id: 'bio-live', user_id: 'sam' },
      });
    }

    expect((await api('POST', `/api/live-classes/${classId}/end`, 'tina', undefined, ['instructor'])).status).toBe(200);
    for (const client of [tina, sam]) {
      expect(await nextOf(client, 'LiveClassEnded')).toMatchObject({ data: { live_class_id: classId, course_id: 'bio-live' } });
    }
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
