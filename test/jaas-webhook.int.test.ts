import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../shared/config';
import { sweepLiveClasses } from '../shared/domain/sweeper';
import { relayOutboxOnce } from '../shared/events/local-relay';
import type { WebhookEvent } from '../shared/webhooks/envelope';
import { signJaasPayload } from '../shared/http/jaas-signature';
import { envSecretsProvider, setSecretsProviderForTests } from '../shared/secrets/provider';
import { call, setupApi, type TestUser } from './support/api';

// JaaS webhooks through the HTTP API against DynamoDB Local: the same presence effects as the
// event_sync routes (test/presence.int.test.ts), from JaaS's payloads and signature.

const alice: TestUser = { sub: 'jaas-alice', name: 'Alice' };
const bob: TestUser = { sub: 'jaas-bob', name: 'Bob' };
const SECRET = process.env.JAAS_WEBHOOK_SECRET as string;
const APP_ID = 'vpaas-magic-cookie-60d15ff098c04d71aa5fe31e06bf866e';
const FIXTURES = join(import.meta.dirname, 'fixtures', 'jaas-webhooks');
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
const nowSeconds = () => Math.floor(Date.now() / 1000);
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  await setupApi();
});

afterEach(() => setSecretsProviderForTests(undefined));

async function activeCall() {
  const thread = await call('threads.create', { as: alice, body: { member_ids: [bob.sub] } });
  const started = await call('calls.start', { as: alice, body: { thread_id: thread.body.thread_id, call_type: 'video' } });
  expect(started.status).toBe(201);
  return { callId: started.body.call_id as string, room: started.body.room as string, startedMs: Date.parse(started.body.started_at) };
}

const device = (user: string, node: string) => ({
  id: user,
  name: user,
  email: `${user}@example.com`,
  moderator: false,
  isBreakout: false,
  participantId: node,
  participantJid: `${node}-f4ed-4102-b84e-d2a6ff42e6c7@8x8.vc`,
  participantFullJid: `${node}-f4ed-4102-b84e-d2a6ff42e6c7@8x8.vc/wc-${node}`,
});

const payload = (eventType: string, room: string, timestamp: number, data: object = {}) => ({
  idempotencyKey: randomUUID(),
  customerId: '60d15ff098c04d71aa5fe31e06bf866e',
  appId: APP_ID,
  eventType,
  sessionId: 'bcf942bf-e274-4a2b-bd7d-b34c44106add',
  timestamp,
  fqn: `${APP_ID}/${room}`,
  data: { conference: `${room}@conference.${APP_ID}.8x8.vc`, ...data },
});

/** Delivers a webhook as JaaS does: the raw body, signed at `t` under `secret`. */
function deliver(body: object, { secret = SECRET, t = nowSeconds(), header }: { secret?: string; t?: number; header?: string } = {}) {
  const raw = JSON.stringify(body);
  return call('jitsi.jaas-webhook', {
    rawBody: raw,
    headers: { 'x-jaas-signature': header ?? `t=${t},v1=${signJaasPayload(secret, t, raw)}` },
  });
}

const delivered: WebhookEvent[] = [];
/** The events written so far, read back as the local server delivers them (the local relay over the outbox). */
async function eventsOf(callId: string, user: string) {
  await relayOutboxOnce([(event) => void delivered.push(event)]);
  return delivered.filter((event) => event.data.call_id === callId && event.data.user_id === user && event.type.startsWith('Participant'));
}

const log = async (callId: string) => (await call('calls.log', { as: alice, params: { call_id: callId } })).body;
const sessionsOf = async (callId: string, user: string) => (await log(callId)).participants.filter((p: any) => p.user_id === user);

describe('JaaS webhooks: signature', () => {
  it('accepts a current, correct X-Jaas-Signature and refuses a wrong, stale, future, missing or malformed one with 401', async () => {
    const { room, startedMs } = await activeCall();
    const body = payload('PARTICIPANT_JOINED', room, startedMs + 1000, device(bob.sub, 'a0a0a0a0'));
    const raw = JSON.stringify(body);
    const t = nowSeconds();
    expect((await deliver(body)).status).toBe(204);
    const refused = [
      await deliver(body, { secret: 'another-secret-0123456789abcdef' }),
      // Beyond the 300 s tolerance with room for a slow run (the exact boundary: jaas-signature.test.ts).
      await deliver(body, { t: t - 360 }),
      await deliver(body, { t: t + 360 }),
      await deliver(body, { header: '' }),
      await deliver(body, { header: `t=${t}` }),
      // A scheme other than v1 is ignored, even with the right HMAC.
      await deliver(body, { header: `t=${t},v0=${signJaasPayload(SECRET, t, raw)}` }),
      // Signed over another body.
      await deliver(body, { header: `t=${t},v1=${signJaasPayload(SECRET, t, `${raw} `)}` }),
    ];
    for (const response of refused) expect(response).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    // Several v1 signatures: one right one is enough.
    expect((await deliver(body, { header: `t=${t},v1=AAAA,v1=${signJaasPayload(SECRET, t, raw)}` })).status).toBe(204);
  });

  it('refuses every webhook with 401 while no JaaS webhook secret is configured', async () => {
    const { room, startedMs } = await activeCall();
    setSecretsProviderForTests({ ...envSecretsProvider(getConfig()), jaasWebhookSecret: async () => undefined });
    const response = await deliver(payload('PARTICIPANT_JOINED', room, startedMs, device(bob.sub, 'a1a1a1a1')));
    expect(response).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
  });

  it('answers 400 to a signed body that is not a JaaS webhook', async () => {
    const response = await deliver({ eventType: 'PARTICIPANT_JOINED', fqn: `${APP_ID}/x` });
    expect(response).toMatchObject({ status: 400, body: { error: 'validation_error' } });
    // A timestamp beyond what a Date holds.
    const future = await deliver(payload('PARTICIPANT_JOINED', 'x', 8.64e15 + 1, device(bob.sub, 'a2a2a2a2')));
    expect(future).toMatchObject({ status: 400, body: { error: 'validation_error' } });
  });
});

describe('JaaS webhooks: presence', () => {
  it('applies the documented payloads (test/fixtures/jaas-webhooks): a crashed client closes at PARTICIPANT_LEFT as disconnected', async () => {
    const { callId, room, startedMs } = await activeCall();
    const at = (event: any, ms: number) => ({ ...event, fqn: `${APP_ID}/${room}`, timestamp: ms, data: { ...event.data, id: bob.sub } });
    expect((await deliver(at(fixture('participant-joined'), startedMs + 2000))).status).toBe(204);
    expect((await deliver(at(fixture('participant-left'), startedMs + 32_000))).status).toBe(204);
    expect(await sessionsOf(callId, bob.sub)).toEqual([
      {
        user_id: bob.sub,
        joined_at: iso(startedMs + 2000),
        left_at: iso(startedMs + 32_000),
        duration_seconds: 30,
        left_reason: 'disconnected',
      },
    ]);
  });

  it('changes nothing on a duplicate delivery (same idempotencyKey), and gives the same state for LEFT before JOINED', async () => {
    const { callId, room, startedMs } = await activeCall();
    const joined = payload('PARTICIPANT_JOINED', room, startedMs + 5000, device(bob.sub, 'b0b0b0b0'));
    const left = payload('PARTICIPANT_LEFT', room, startedMs + 65_000, device(bob.sub, 'b0b0b0b0'));
    expect((await deliver(left)).status).toBe(204);
    expect((await deliver(joined)).status).toBe(204);
    const once = await sessionsOf(callId, bob.sub);
    expect(once).toEqual([
      expect.objectContaining({ joined_at: iso(startedMs + 5000), left_at: iso(startedMs + 65_000), duration_seconds: 60 }),
    ]);
    expect((await deliver(left)).status).toBe(204);
    expect((await deliver(joined)).status).toBe(204);
    expect(await sessionsOf(callId, bob.sub)).toEqual(once);
  });

  it('keeps the session open while a second device of the user is still in the room', async () => {
    const { callId, room, startedMs } = await activeCall();
    await deliver(payload('PARTICIPANT_JOINED', room, startedMs, device(alice.sub, 'c0c0c0c0')));
    await deliver(payload('PARTICIPANT_JOINED', room, startedMs + 5000, device(alice.sub, 'c1c1c1c1')));
    await deliver(payload('PARTICIPANT_LEFT', room, startedMs + 10_000, device(alice.sub, 'c0c0c0c0')));
    const open = await sessionsOf(callId, alice.sub);
    expect(open).toHaveLength(1);
    expect(open[0].left_at).toBeNull();
    await deliver(payload('PARTICIPANT_LEFT', room, startedMs + 40_000, device(alice.sub, 'c1c1c1c1')));
    expect(await sessionsOf(callId, alice.sub)).toEqual([
      expect.objectContaining({ left_at: iso(startedMs + 40_000), left_reason: 'disconnected' }),
    ]);
  });

  it('ends the thread call room_empty on ROOM_DESTROYED, closing open sessions at its timestamp as disconnected', async () => {
    const { callId, room, startedMs } = await activeCall();
    await deliver(payload('PARTICIPANT_JOINED', room, startedMs + 1000, device(alice.sub, 'd0d0d0d0')));
    const destroyedMs = startedMs + 60_000;
    const destroyed = payload('ROOM_DESTROYED', room, destroyedMs, { isBreakout: false });
    expect((await deliver(destroyed)).status).toBe(204);
    const ended = await log(callId);
    expect(ended).toMatchObject({ status: 'ended', end_reason: 'room_empty', ended_by: null, ended_at: iso(destroyedMs) });
    expect(ended.participants).toEqual([
      expect.objectContaining({ user_id: alice.sub, left_at: iso(destroyedMs), left_reason: 'disconnected' }),
    ]);
    // A retry of the same webhook changes nothing.
    expect((await deliver(destroyed)).status).toBe(204);
    expect(await log(callId)).toEqual(ended);
  });

  it('acknowledges other event types, breakout rooms, foreign rooms and users without an id with 204, changing nothing', async () => {
    const { callId, room, startedMs } = await activeCall();
    const before = await log(callId);
    await relayOutboxOnce([(event) => void delivered.push(event)]);
    const eventsBefore = delivered.length;
    const recording = { ...fixture('recording-started'), fqn: `${APP_ID}/${room}`, timestamp: startedMs + 1000 };
    const ignored = [
      recording,
      payload('ROOM_CREATED', room, startedMs),
      payload('TRANSCRIPTION_UPLOADED', room, startedMs, { preAuthenticatedLink: 'https://example.com/t' }),
      payload('USAGE', room, startedMs, { usage: [] }),
      payload('SETTINGS_PROVISIONING', room, startedMs),
      payload('PARTICIPANT_JOINED', room, startedMs + 1000, { ...device(bob.sub, 'e0e0e0e0'), isBreakout: true }),
      payload('PARTICIPANT_JOINED', 'not-our-room', startedMs + 1000, device(bob.sub, 'e1e1e1e1')),
      payload('ROOM_DESTROYED', 'not-our-room', startedMs + 1000),
      payload('PARTICIPANT_JOINED', room, startedMs + 1000, { ...device(bob.sub, 'e2e2e2e2'), id: undefined }),
    ];
    for (const body of ignored) expect((await deliver(body)).status).toBe(204);
    expect(await log(callId)).toEqual(before);
    // No outbox event was written either (the relay delivers every event written since).
    await relayOutboxOnce([(event) => void delivered.push(event)]);
    expect(delivered.slice(eventsBefore)).toEqual([]);
  });
});

describe('JaaS webhooks: ParticipantJoined / ParticipantLeft', () => {
  it('writes one ParticipantJoined and one ParticipantLeft per session Jitsi opened and closed, whatever the duplicates and order', async () => {
    const { callId, room, startedMs } = await activeCall();
    const joinedA = payload('PARTICIPANT_JOINED', room, startedMs + 1000, device(bob.sub, 'f0f0f0f0'));
    const leftA = payload('PARTICIPANT_LEFT', room, startedMs + 21_000, device(bob.sub, 'f0f0f0f0'));
    const joinedB = payload('PARTICIPANT_JOINED', room, startedMs + 40_000, device(bob.sub, 'f1f1f1f1'));
    const leftB = payload('PARTICIPANT_LEFT', room, startedMs + 50_000, device(bob.sub, 'f1f1f1f1'));
    for (const body of [joinedA, joinedA, leftB, leftA, joinedB, leftA, joinedB, leftB]) expect((await deliver(body)).status).toBe(204);
    const sessions = await sessionsOf(callId, bob.sub);
    expect(sessions.map((session: any) => [session.joined_at, session.left_at])).toEqual([
      [iso(startedMs + 1000), iso(startedMs + 21_000)],
      [iso(startedMs + 40_000), iso(startedMs + 50_000)],
    ]);
    const events = await eventsOf(callId, bob.sub);
    expect(events.filter((event) => event.type === 'ParticipantJoined')).toHaveLength(2);
    const left = events.filter((event) => event.type === 'ParticipantLeft');
    expect(left.map((event) => event.data.left_at).sort()).toEqual([iso(startedMs + 21_000), iso(startedMs + 50_000)]);
    expect(left.every((event) => event.data.left_reason === 'disconnected' && event.data.thread_id)).toBe(true);
  });

  it('writes only a ParticipantLeft when Jitsi closes the session the API opened (calls.start), however often it is told', async () => {
    const { callId, room, startedMs } = await activeCall();
    const before = (await eventsOf(callId, alice.sub)).length;
    const joined = payload('PARTICIPANT_JOINED', room, startedMs + 500, device(alice.sub, 'f2f2f2f2'));
    const left = payload('PARTICIPANT_LEFT', room, startedMs + 30_000, device(alice.sub, 'f2f2f2f2'));
    for (const body of [joined, left, joined, left]) await deliver(body);
    const added = (await eventsOf(callId, alice.sub)).slice(before);
    expect(added.map((event) => event.type)).toEqual(['ParticipantLeft']);
    expect(added[0]!.data).toMatchObject({ left_at: iso(startedMs + 30_000), left_reason: 'disconnected' });
  });

  it('writes a ParticipantJoined when Jitsi reconnects a user whose presence-opened session the API closed (calls.leave)', async () => {
    const { callId, room, startedMs } = await activeCall();
    await deliver(payload('PARTICIPANT_JOINED', room, startedMs, device(bob.sub, 'f3f3f3f3')));
    expect((await call('calls.leave', { as: bob, params: { call_id: callId } })).status).toBe(200);
    const leftMs = Date.now();
    await deliver(payload('PARTICIPANT_LEFT', room, leftMs + 1000, device(bob.sub, 'f3f3f3f3')));
    // Jitsi reconnects later, without an API join.
    await deliver(payload('PARTICIPANT_JOINED', room, leftMs + 5000, device(bob.sub, 'f4f4f4f4')));
    await deliver(payload('PARTICIPANT_LEFT', room, leftMs + 15_000, device(bob.sub, 'f4f4f4f4')));
    const events = await eventsOf(callId, bob.sub);
    expect(events.map((event) => [event.type, event.data.left_reason])).toEqual([
      ['ParticipantJoined', undefined],
      ['ParticipantLeft', 'left'],
      ['ParticipantJoined', undefined],
      ['ParticipantLeft', 'disconnected'],
    ]);
    expect(events[2]!.data.joined_at).toBe(iso(leftMs + 5000));
  });
});

describe('JaaS webhooks: live classes', () => {
  const admin: TestUser = { sub: 'jaas-admin', roles: ['admin'] };
  const teacher: TestUser = { sub: 'jaas-teacher', roles: ['instructor'] };
  const student: TestUser = { sub: 'jaas-student', roles: ['student'] };

  async function liveClass() {
    const courseId = `jaas-course-${randomUUID().slice(0, 8)}`;
    expect((await call('courses.put-instructor', { as: admin, params: { course_id: courseId, user_id: teacher.sub } })).status).toBe(204);
    expect((await call('courses.put-enrollment', { as: teacher, params: { course_id: courseId, user_id: student.sub } })).status).toBe(204);
    const created = await call('live-classes.create', { as: teacher, params: { course_id: courseId }, body: { title: 'JaaS' } });
    const params = { live_class_id: created.body.live_class_id as string };
    expect((await call('live-classes.start', { as: teacher, params })).status).toBe(200);
    expect((await call('live-classes.join', { as: student, params })).status).toBe(200);
    return { params, room: created.body.room_name as string, startMs: Date.now() };
  }
  const studentSessions = async (params: { live_class_id: string }) =>
    (await call('live-classes.attendance', { as: teacher, params })).body.items.find((item: any) => item.user_id === student.sub).sessions;

  it('closes every open session at ROOM_DESTROYED’s timestamp (disconnected) when a LEFT is missing, so the sweeper ends the class', async () => {
    const { params, room, startMs } = await liveClass();
    await deliver(payload('PARTICIPANT_JOINED', room, startMs + 1000, device(teacher.sub, 'a7a7a7a7')));
    await deliver(payload('PARTICIPANT_JOINED', room, startMs + 2000, device(student.sub, 'b7b7b7b7')));
    await deliver(payload('PARTICIPANT_LEFT', room, startMs + 30_000, device(teacher.sub, 'a7a7a7a7')));
    // The student's PARTICIPANT_LEFT never comes.
    const destroyedMs = startMs + 60_000;
    expect((await deliver(payload('ROOM_DESTROYED', room, destroyedMs, { isBreakout: false }))).status).toBe(204);
    const sessions = await studentSessions(params);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ left_at: iso(destroyedMs), left_reason: 'disconnected' });
    const minutes = getConfig().LIVE_CLASS_EMPTY_MINUTES;
    expect(await sweepLiveClasses({ now: new Date(destroyedMs + minutes * 60_000 + 1000) })).toEqual({ due: 1, ended: 1, occupied: 0 });
    expect((await call('live-classes.get', { as: teacher, params })).body).toMatchObject({ status: 'ended', ended_at: iso(destroyedMs) });
  });

  it('shortens to a PARTICIPANT_LEFT delivered after ROOM_DESTROYED the session the room’s end closed', async () => {
    const { params, room, startMs } = await liveClass();
    await deliver(payload('PARTICIPANT_JOINED', room, startMs + 2000, device(student.sub, 'c7c7c7c7')));
    await deliver(payload('ROOM_DESTROYED', room, startMs + 60_000, { isBreakout: false }));
    await deliver(payload('PARTICIPANT_LEFT', room, startMs + 30_000, device(student.sub, 'c7c7c7c7')));
    const sessions = await studentSessions(params);
    expect(sessions).toHaveLength(1);
    expect(sessions[0]).toMatchObject({ left_at: iso(startMs + 30_000), left_reason: 'disconnected' });
  });
});
