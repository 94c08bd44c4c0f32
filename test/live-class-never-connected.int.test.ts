import { beforeAll, describe, expect, it } from 'vitest';
import { getConfig } from '../shared/config';
import { sweepLiveClassJoins } from '../shared/domain/sweeper';
import { relayOutboxOnce } from '../shared/events/local-relay';
import type { WebhookEvent } from '../shared/webhooks/envelope';
import { call, setupApi, type TestUser } from './support/api';
import { occupant, reportJoined } from './support/event-sync';

// Live classes get the never-connected close calls have (API.md "Presence from Jitsi"): in a room
// Jitsi reports presence for, an API join Jitsi never reported within PRESENCE_CONFIRM_SECONDS
// closes `never_connected` with zero duration. Through the HTTP API, the clock passed to the run.

const admin: TestUser = { sub: 'nc-admin', roles: ['admin'] };
const teacher: TestUser = { sub: 'nc-teacher', roles: ['instructor'] };
const student: TestUser = { sub: 'nc-student', roles: ['student'] };
const plus = (iso: string, seconds: number) => new Date(Date.parse(iso) + seconds * 1000);

beforeAll(async () => {
  await setupApi();
});

async function liveClassWithStudent() {
  const courseId = `nc-course-${Math.random().toString(36).slice(2, 10)}`;
  expect((await call('courses.put-instructor', { as: admin, params: { course_id: courseId, user_id: teacher.sub } })).status).toBe(204);
  expect((await call('courses.put-enrollment', { as: teacher, params: { course_id: courseId, user_id: student.sub } })).status).toBe(204);
  const created = await call('live-classes.create', { as: teacher, params: { course_id: courseId }, body: { title: 'Unseen' } });
  const params = { live_class_id: created.body.live_class_id as string };
  expect((await call('live-classes.start', { as: teacher, params })).status).toBe(200);
  expect((await call('live-classes.join', { as: student, params })).status).toBe(200);
  const joinedAt = new Date().toISOString();
  return { params, room: created.body.room_name as string, joinedAt };
}

/** Jitsi (event_sync) reports the teacher in the room: the room is one Jitsi reports presence for. */
const reportTeacher = (room: string) => reportJoined(room, occupant(teacher.sub, '9a8b7c6d', Math.floor(Date.now() / 1000)));

const sessionsOf = async (params: { live_class_id: string }, user: string) => {
  const attendance = await call('live-classes.attendance', { as: teacher, params });
  expect(attendance.status).toBe(200);
  return attendance.body.items.find((item: any) => item.user_id === user)?.sessions;
};

describe('calls.sweep: live-class joins Jitsi never saw', () => {
  it('closes a student’s API join never_connected, zero duration, once PRESENCE_CONFIRM_SECONDS pass in a room with presence', async () => {
    const confirm = getConfig().PRESENCE_CONFIRM_SECONDS;
    const { params, room, joinedAt } = await liveClassWithStudent();
    expect((await reportTeacher(room)).status).toBe(204);

    expect((await sweepLiveClassJoins({ now: plus(joinedAt, confirm - 5) })).never_connected).toBe(0);
    const swept = await sweepLiveClassJoins({ now: plus(joinedAt, confirm + 5) });
    expect(swept.never_connected).toBe(1);

    const [session] = await sessionsOf(params, student.sub);
    expect(session.left_at).toBe(session.joined_at);
    expect(session.duration_seconds).toBe(0);
    // The teacher Jitsi reported stays in.
    expect((await sessionsOf(params, teacher.sub))[0].left_at).toBeNull();

    const delivered: WebhookEvent[] = [];
    await relayOutboxOnce([(event) => void delivered.push(event)]);
    const left = delivered.filter((event) => event.type === 'ParticipantLeft' && event.data.live_class_id === params.live_class_id);
    expect(left.map((event) => event.data)).toEqual([
      expect.objectContaining({ user_id: student.sub, left_reason: 'never_connected', duration_seconds: 0 }),
    ]);
    // Checked joins leave the queue: a later run finds nothing of this class.
    expect(await sweepLiveClassJoins({ now: plus(joinedAt, confirm * 10) })).toEqual({ due: 0, never_connected: 0 });
  });

  it('leaves joins open in a room Jitsi reports no presence for (silence proves nothing)', async () => {
    const confirm = getConfig().PRESENCE_CONFIRM_SECONDS;
    const { params, joinedAt } = await liveClassWithStudent();
    const swept = await sweepLiveClassJoins({ now: plus(joinedAt, confirm + 5) });
    expect(swept).toEqual({ due: 2, never_connected: 0 });
    expect((await sessionsOf(params, student.sub))[0].left_at).toBeNull();
    expect((await sweepLiveClassJoins({ now: plus(joinedAt, confirm * 10) })).due).toBe(0);
  });
});
