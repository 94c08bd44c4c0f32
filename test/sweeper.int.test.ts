import { beforeAll, describe, expect, it } from 'vitest';
import { runJobOnce } from '../infra/local/jobs';
import { getConfig } from '../shared/config';
import { sweepCalls, sweepLiveClasses } from '../shared/domain/sweeper';
import { relayOutboxOnce } from '../shared/events/local-relay';
import type { WebhookEvent } from '../shared/webhooks/envelope';
import { call, setupApi, type TestUser } from './support/api';
import { EVENTS_BEARER, occupant, reportJoined, unix } from './support/event-sync';
import { recordRoundTrips } from './support/round-trips';

// The sweeper (../shared/API.md "Presence from Jitsi", last bullet) through the HTTP API, with the
// clock passed to the run (no sleeps): the calls are real, the deadlines are in the future.

const alice: TestUser = { sub: 's-alice' };
const bob: TestUser = { sub: 's-bob' };

const delivered: WebhookEvent[] = [];
async function eventsOf(callId: string, type: string) {
  await relayOutboxOnce([(event) => void delivered.push(event)]);
  return delivered.filter((event) => event.data.call_id === callId && event.type === type);
}

async function startedCall() {
  const thread = await call('threads.create', { as: alice, body: { member_ids: [bob.sub] } });
  expect(thread.status).toBe(201);
  const started = await call('calls.start', { as: alice, body: { thread_id: thread.body.thread_id, call_type: 'video' } });
  expect(started.status).toBe(201);
  return { callId: started.body.call_id as string, startedAt: started.body.started_at as string, room: started.body.room as string };
}

const logOf = async (callId: string) => (await call('calls.log', { as: alice, params: { call_id: callId } })).body;
const plus = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000);

beforeAll(async () => {
  await setupApi();
});

describe('calls.sweep', () => {
  it('ends a call everyone left once CALL_EMPTY_GRACE_SECONDS pass (room_empty, at the last leave), once', async () => {
    const grace = getConfig().CALL_EMPTY_GRACE_SECONDS;
    const { callId } = await startedCall();
    expect((await call('calls.join', { as: bob, params: { call_id: callId } })).status).toBe(200);
    expect((await call('calls.leave', { as: alice, params: { call_id: callId } })).status).toBe(200);
    const last = await call('calls.leave', { as: bob, params: { call_id: callId } });
    expect(last.status).toBe(200);
    const lastLeft = last.body.left_at as string;

    // One second before the grace ends: moved to the grace's end, not ended.
    const early = await sweepCalls({ now: plus(lastLeft, grace - 1) });
    expect(early).toMatchObject({ room_empty: 0, expired: 0 });
    expect((await logOf(callId)).status).toBe('active');

    const swept = await sweepCalls({ now: plus(lastLeft, grace + 1) });
    expect(swept.room_empty).toBe(1);
    const log = await logOf(callId);
    expect(log).toMatchObject({ status: 'ended', end_reason: 'room_empty', ended_by: null, ended_at: lastLeft });
    expect(log.participants.map((session: any) => session.left_reason)).toEqual(['left', 'left']);

    // The end took the call off the index: the next run has nothing to do.
    expect(await sweepCalls({ now: plus(lastLeft, 10 * grace) })).toEqual({
      due: 0,
      room_empty: 0,
      expired: 0,
      rescheduled: 0,
      never_connected: 0,
    });
    const ended = await eventsOf(callId, 'CallEnded');
    expect(ended).toHaveLength(1);
    expect(ended[0]?.data).toMatchObject({ call_id: callId, end_reason: 'room_empty' });
  });

  it('leaves a call with someone in it, looking again a grace later, then ends it expired after CALL_MAX_HOURS', async () => {
    const { grace, maxHours } = { grace: getConfig().CALL_EMPTY_GRACE_SECONDS, maxHours: getConfig().CALL_MAX_HOURS };
    const { callId, startedAt } = await startedCall();
    const checkAt = plus(startedAt, grace + 1);
    const first = await sweepCalls({ now: checkAt });
    expect(first).toMatchObject({ due: 1, rescheduled: 1, room_empty: 0, expired: 0 });
    // Rescheduled past `checkAt`: the same clock finds nothing due.
    expect((await sweepCalls({ now: checkAt })).due).toBe(0);

    const deadline = plus(startedAt, maxHours * 3600).toISOString();
    const swept = await sweepCalls({ now: plus(startedAt, maxHours * 3600 + 30) });
    expect(swept.expired).toBe(1);
    const log = await logOf(callId);
    expect(log).toMatchObject({ status: 'ended', end_reason: 'expired', ended_at: deadline, ended_by: null });
    // Alice never left: her session closed at the end, so nobody stays open past it.
    expect(log.participants).toEqual([
      expect.objectContaining({ user_id: alice.sub, left_at: deadline, left_reason: 'call_ended', duration_seconds: maxHours * 3600 }),
    ]);
    const left = await eventsOf(callId, 'ParticipantLeft');
    expect(left.map((event) => event.data.left_reason)).toEqual(['call_ended']);
  });

  it('is idempotent when two runs overlap: one end, one CallEnded, one ParticipantLeft', async () => {
    const { callId, startedAt } = await startedCall();
    const now = plus(startedAt, getConfig().CALL_MAX_HOURS * 3600 + 5);
    const [one, two] = await Promise.all([sweepCalls({ now }), sweepCalls({ now })]);
    expect(one.expired + two.expired).toBe(1);
    expect((await logOf(callId)).end_reason).toBe('expired');
    expect(await eventsOf(callId, 'CallEnded')).toHaveLength(1);
    expect(await eventsOf(callId, 'ParticipantLeft')).toHaveLength(1);
  });

  it('does bounded work: one index Query, and no more calls than the limit per run', async () => {
    const calls = await Promise.all([startedCall(), startedCall(), startedCall()]);
    const latest = calls
      .map((entry) => entry.startedAt)
      .sort()
      .at(-1) as string;
    const now = plus(latest, getConfig().CALL_MAX_HOURS * 3600 + 5);
    const trips = recordRoundTrips();
    const first = await sweepCalls({ now, limit: 2 });
    trips.restore();
    expect(first).toMatchObject({ due: 2, expired: 2 });
    expect(trips.calls.filter((entry) => entry.command === 'QueryCommand' && entry.index === 'gsi4')).toHaveLength(1);
    expect(trips.calls.some((entry) => entry.command === 'ScanCommand')).toBe(false);
    expect(await sweepCalls({ now, limit: 2 })).toMatchObject({ due: 1, expired: 1 });
  });

  it('never sweeps a call a user ended', async () => {
    const { callId, startedAt } = await startedCall();
    expect((await call('calls.end', { as: alice, params: { call_id: callId } })).status).toBe(200);
    expect((await sweepCalls({ now: plus(startedAt, getConfig().CALL_MAX_HOURS * 3600 + 5) })).due).toBe(0);
    expect((await logOf(callId)).end_reason).toBe('ended');
  });

  it('closes an API join Jitsi never reported as never_connected with zero duration, in a room with presence only', async () => {
    const confirm = getConfig().PRESENCE_CONFIRM_SECONDS;
    const { callId, startedAt, room } = await startedCall();
    expect((await reportJoined(room, occupant(alice.sub, 'abcdef01', unix(startedAt)))).status).toBe(204);
    expect((await call('calls.join', { as: bob, params: { call_id: callId } })).status).toBe(200);
    const bobJoinedAt = (await logOf(callId)).participants.find((session: any) => session.user_id === bob.sub).joined_at as string;

    const swept = await sweepCalls({ now: plus(bobJoinedAt, confirm + 1) });
    expect(swept).toMatchObject({ never_connected: 1, room_empty: 0, expired: 0 });
    const log = await logOf(callId);
    // Alice, whom Jitsi reported, stays in an active call; Bob attended for zero seconds.
    expect(log.status).toBe('active');
    expect(log.participants.find((session: any) => session.user_id === bob.sub)).toMatchObject({
      joined_at: bobJoinedAt,
      left_at: bobJoinedAt,
      duration_seconds: 0,
      left_reason: 'never_connected',
    });
    expect(log.participants.find((session: any) => session.user_id === alice.sub)).toMatchObject({ left_at: null });
    const leftEvents = await eventsOf(callId, 'ParticipantLeft');
    expect(leftEvents.map((event) => event.data)).toEqual([
      expect.objectContaining({ user_id: bob.sub, left_reason: 'never_connected', duration_seconds: 0 }),
    ]);
    // A second run finds nothing more to close.
    expect((await sweepCalls({ now: plus(bobJoinedAt, confirm + 2) })).never_connected).toBe(0);
  });

  it('never closes an unreported join in a room Jitsi reports nothing for', async () => {
    const { callId, startedAt } = await startedCall();
    expect((await call('calls.join', { as: bob, params: { call_id: callId } })).status).toBe(200);
    const swept = await sweepCalls({
      now: plus(startedAt, getConfig().PRESENCE_CONFIRM_SECONDS + getConfig().CALL_EMPTY_GRACE_SECONDS + 5),
    });
    expect(swept.never_connected).toBe(0);
    expect((await logOf(callId)).participants.every((session: any) => session.left_at === null)).toBe(true);
  });
});

describe('calls.sweep: live classes', () => {
  const admin: TestUser = { sub: 's-admin', roles: ['admin'] };
  const teacher: TestUser = { sub: 's-teacher', roles: ['instructor'] };
  const student: TestUser = { sub: 's-student', roles: ['student'] };

  async function liveClassInJitsi() {
    const courseId = `s-course-${Math.random().toString(36).slice(2, 10)}`;
    expect((await call('courses.put-instructor', { as: admin, params: { course_id: courseId, user_id: teacher.sub } })).status).toBe(204);
    expect((await call('courses.put-enrollment', { as: teacher, params: { course_id: courseId, user_id: student.sub } })).status).toBe(204);
    const created = await call('live-classes.create', { as: teacher, params: { course_id: courseId }, body: { title: 'Swept' } });
    const params = { live_class_id: created.body.live_class_id as string };
    const started = await call('live-classes.start', { as: teacher, params });
    expect(started.status).toBe(200);
    expect((await call('live-classes.join', { as: student, params })).status).toBe(200);
    const room = created.body.room_name as string;
    const t0 = unix(new Date().toISOString());
    for (const [user, node] of [
      [teacher.sub, '1a2b3c4d'],
      [student.sub, '5e6f7a8b'],
    ] as const) {
      const joined = await reportJoined(room, occupant(user, node, t0));
      expect(joined.status).toBe(204);
    }
    const destroyedAt = t0 + 60;
    const destroyed = await call('jitsi.room-destroyed', {
      headers: EVENTS_BEARER,
      body: {
        room_name: room,
        destroyed_at: destroyedAt,
        all_occupants: [occupant(teacher.sub, '1a2b3c4d', t0, destroyedAt), occupant(student.sub, '5e6f7a8b', t0, destroyedAt)],
      },
    });
    expect(destroyed.status).toBe(204);
    return { params, room, destroyedAt: new Date(destroyedAt * 1000).toISOString() };
  }

  const classOf = async (params: { live_class_id: string }) => (await call('live-classes.get', { as: teacher, params })).body;

  it('ends a live class Jitsi reported empty once LIVE_CLASS_EMPTY_MINUTES pass, at the moment it emptied, once', async () => {
    const minutes = getConfig().LIVE_CLASS_EMPTY_MINUTES;
    const { params, destroyedAt } = await liveClassInJitsi();
    // The room's end alone keeps the class live.
    expect((await classOf(params)).status).toBe('live');
    expect((await sweepLiveClasses({ now: plus(destroyedAt, minutes * 60 - 1) })).due).toBe(0);

    const swept = await sweepLiveClasses({ now: plus(destroyedAt, minutes * 60 + 1) });
    expect(swept).toEqual({ due: 1, ended: 1, occupied: 0 });
    expect(await classOf(params)).toMatchObject({ status: 'ended', ended_at: destroyedAt });
    const attendance = await call('live-classes.attendance', { as: teacher, params });
    expect(attendance.status).toBe(200);
    expect(JSON.stringify(attendance.body)).not.toContain('"left_at":null');

    await relayOutboxOnce([(event) => void delivered.push(event)]);
    const ended = delivered.filter((event) => event.type === 'LiveClassEnded' && event.data.live_class_id === params.live_class_id);
    expect(ended.map((event) => event.data)).toEqual([
      expect.objectContaining({ ended_by: null, end_reason: 'room_empty', ended_at: destroyedAt }),
    ]);
    expect(await sweepLiveClasses({ now: plus(destroyedAt, minutes * 600) })).toEqual({ due: 0, ended: 0, occupied: 0 });
  });

  it('keeps a live class someone came back to, and takes it off the queue', async () => {
    const minutes = getConfig().LIVE_CLASS_EMPTY_MINUTES;
    const { params, room, destroyedAt } = await liveClassInJitsi();
    const back = await reportJoined(room, occupant(teacher.sub, '9c9c9c9c', unix(destroyedAt) + 30));
    expect(back.status).toBe(204);
    expect(await sweepLiveClasses({ now: plus(destroyedAt, minutes * 60 + 1) })).toEqual({ due: 1, ended: 0, occupied: 1 });
    expect((await classOf(params)).status).toBe('live');
    expect((await sweepLiveClasses({ now: plus(destroyedAt, minutes * 60 + 2) })).due).toBe(0);
  });
});

describe('calls.sweep as a scheduled job', () => {
  it('runs through its handler, as EventBridge and the local server call it', async () => {
    const { callId, startedAt } = await startedCall();
    expect((await call('calls.leave', { as: alice, params: { call_id: callId } })).status).toBe(200);
    // Real time: this call's first deadline (a grace after its start) has not come yet.
    const result = (await runJobOnce('calls.sweep')) as { calls: { room_empty: number }; live_classes: { due: number } };
    expect(result).toMatchObject({
      calls: expect.objectContaining({ room_empty: expect.any(Number) }),
      live_classes: { due: expect.any(Number) },
    });
    expect(Date.now() < Date.parse(startedAt) + getConfig().CALL_EMPTY_GRACE_SECONDS * 1000).toBe(true);
    expect((await logOf(callId)).status).toBe('active');
  });
});
