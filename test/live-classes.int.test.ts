import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { dynamo, tableName, toAttributes } from '../shared/db/client';
import { keys } from '../shared/db/keys';
import { createLiveClass } from '../shared/domain/live-classes';
import type { Caller } from '../shared/http/auth';
import { call, setupApi, type ApiResponse, type TestUser } from './support/api';
import { recordRoundTrips } from './support/round-trips';

const admin: TestUser = { sub: 'lc-admin', name: 'Ada Admin', roles: ['admin'] };
const instructor: TestUser = { sub: 'lc-teacher', name: 'Tina Teacher', email: 'tina@example.com', roles: ['instructor'] };
const otherInstructor: TestUser = { sub: 'lc-other-teacher', name: 'Otto', roles: ['instructor'] };
const student: TestUser = { sub: 'lc-student', name: 'Sam Student', roles: ['student'] };
const outsider: TestUser = { sub: 'lc-outsider', name: 'Olga', roles: ['student'] };

const actors = { admin, instructor, otherInstructor, student, outsider } as const;
type Actor = keyof typeof actors;
const ACTORS = Object.keys(actors) as Actor[];

const JOIN_FIELDS = [
  'live_class_id',
  'room',
  'subject',
  'jitsi_server_url',
  'jitsi_domain',
  'token',
  'token_expires_at',
  'ice_servers',
  'feature_flags',
  'is_moderator',
];

const hex = () => randomBytes(4).toString('hex');

/** A course taught by `instructor` with `student` enrolled; `otherInstructor` teaches another course. */
async function newCourse(): Promise<string> {
  const courseId = `bio-${hex()}`;
  expect((await call('courses.put-instructor', { as: admin, params: { course_id: courseId, user_id: instructor.sub } })).status).toBe(204);
  const otherCourse = `chem-${hex()}`;
  expect(
    (await call('courses.put-instructor', { as: admin, params: { course_id: otherCourse, user_id: otherInstructor.sub } })).status,
  ).toBe(204);
  expect((await call('courses.put-enrollment', { as: instructor, params: { course_id: courseId, user_id: student.sub } })).status).toBe(
    204,
  );
  return courseId;
}

async function newClass(courseId: string, title = 'Cell biology') {
  const response = await call('live-classes.create', {
    as: instructor,
    params: { course_id: courseId },
    body: { title, scheduled_at: '2026-11-21T09:00:00.000Z' },
  });
  expect(response.status).toBe(201);
  return response.body as { live_class_id: string; room_name: string; course_id: string };
}

async function liveClass(courseId: string) {
  const created = await newClass(courseId);
  expect((await call('live-classes.start', { as: instructor, params: { live_class_id: created.live_class_id } })).status).toBe(200);
  return created;
}

const outcome = (response: ApiResponse) => ({ status: response.status, error: response.body?.error });
const verifyJitsi = async (token: string) =>
  (await jwtVerify(token, new TextEncoder().encode(process.env.JITSI_JWT_SECRET), { clockTolerance: 0 })).payload as any;

beforeAll(async () => {
  await setupApi();
});

afterEach(() => {
  vi.restoreAllMocks();
});

describe('permission matrix', () => {
  type Expected = { status: number; error?: string };
  const allow = (status: number): Expected => ({ status });
  const deny = (error: 'forbidden' | 'not_enrolled'): Expected => ({ status: 403, error });
  const managers = (status: number): Record<Actor, Expected> => ({
    admin: allow(status),
    instructor: allow(status),
    otherInstructor: deny('forbidden'),
    student: deny('forbidden'),
    outsider: deny('forbidden'),
  });
  const members = (status: number): Record<Actor, Expected> => ({
    admin: allow(status),
    instructor: allow(status),
    otherInstructor: deny('forbidden'),
    student: allow(status),
    outsider: deny('not_enrolled'),
  });

  const check = async (actor: Actor, expected: Expected, response: ApiResponse) => {
    expect(outcome(response), actor).toEqual({ status: expected.status, error: expected.error });
  };

  it('courses.put-instructor: admins only', async () => {
    const courseId = await newCourse();
    const expected: Record<Actor, Expected> = { ...managers(204), instructor: deny('forbidden') };
    for (const actor of ACTORS) {
      await check(
        actor,
        expected[actor],
        await call('courses.put-instructor', { as: actors[actor], params: { course_id: courseId, user_id: `new-${actor}` } }),
      );
    }
  });

  it('courses.put-enrollment and courses.delete-enrollment: admins and the course instructors', async () => {
    const courseId = await newCourse();
    for (const actor of ACTORS) {
      const params = { course_id: courseId, user_id: `enrollee-${actor}` };
      await check(actor, managers(204)[actor], await call('courses.put-enrollment', { as: actors[actor], params }));
      await call('courses.put-enrollment', { as: admin, params });
      await check(actor, managers(204)[actor], await call('courses.delete-enrollment', { as: actors[actor], params }));
    }
  });

  it('live-classes.create: admins and the course instructors', async () => {
    const courseId = await newCourse();
    for (const actor of ACTORS) {
      await check(
        actor,
        managers(201)[actor],
        await call('live-classes.create', { as: actors[actor], params: { course_id: courseId }, body: { title: `By ${actor}` } }),
      );
    }
  });

  it('live-classes.list and live-classes.get: admins, the course instructors and enrolled students', async () => {
    const courseId = await newCourse();
    const created = await newClass(courseId);
    for (const actor of ACTORS) {
      await check(actor, members(200)[actor], await call('live-classes.list', { as: actors[actor], params: { course_id: courseId } }));
      await check(
        actor,
        members(200)[actor],
        await call('live-classes.get', { as: actors[actor], params: { live_class_id: created.live_class_id } }),
      );
    }
  });

  it('live-classes.start: admins and the course instructors', async () => {
    const courseId = await newCourse();
    for (const actor of ACTORS) {
      const created = await newClass(courseId);
      await check(
        actor,
        managers(200)[actor],
        await call('live-classes.start', { as: actors[actor], params: { live_class_id: created.live_class_id } }),
      );
    }
  });

  it('live-classes.join, token and leave: hosts and enrolled students; leave for who joined', async () => {
    const courseId = await newCourse();
    const { live_class_id } = await liveClass(courseId);
    const hosts: Actor[] = ['admin', 'instructor'];
    for (const actor of ACTORS) {
      const params = { live_class_id };
      const joined = await call('live-classes.join', { as: actors[actor], params });
      await check(actor, members(200)[actor], joined);
      if (joined.status === 200) expect(joined.body.is_moderator, actor).toBe(hosts.includes(actor));
      await check(actor, members(200)[actor], await call('live-classes.token', { as: actors[actor], params }));
      const leave = members(200)[actor].status === 200 ? allow(200) : { status: 409, error: 'not_in_call' };
      await check(actor, leave, await call('live-classes.leave', { as: actors[actor], params }));
    }
  });

  it('live-classes.attendance and live-classes.end: admins and the course instructors', async () => {
    const courseId = await newCourse();
    const { live_class_id } = await liveClass(courseId);
    for (const actor of ACTORS) {
      await check(actor, managers(200)[actor], await call('live-classes.attendance', { as: actors[actor], params: { live_class_id } }));
    }
    // Refusals first, so that the class is still live when they are asked; end is idempotent after.
    for (const actor of ['otherInstructor', 'student', 'outsider', 'instructor', 'admin'] as const) {
      await check(actor, managers(200)[actor], await call('live-classes.end', { as: actors[actor], params: { live_class_id } }));
    }
  });

  it('answers 404 not_found for an unknown course or live class on every route', async () => {
    const course = { course_id: `nope-${hex()}` };
    expect(outcome(await call('courses.put-enrollment', { as: admin, params: { ...course, user_id: 'x' } }))).toEqual({
      status: 404,
      error: 'not_found',
    });
    expect(outcome(await call('courses.delete-enrollment', { as: admin, params: { ...course, user_id: 'x' } }))).toEqual({
      status: 404,
      error: 'not_found',
    });
    expect(outcome(await call('live-classes.create', { as: admin, params: course, body: { title: 'x' } }))).toEqual({
      status: 404,
      error: 'not_found',
    });
    expect(outcome(await call('live-classes.list', { as: student, params: course }))).toEqual({ status: 404, error: 'not_found' });
    for (const operation of ['get', 'start', 'join', 'token', 'leave', 'attendance', 'end']) {
      const response = await call(`live-classes.${operation}`, { as: admin, params: { live_class_id: 'missing' } });
      expect(outcome(response), operation).toEqual({ status: 404, error: 'not_found' });
    }
  });

  it('answers 401 without a bearer token', async () => {
    expect((await call('live-classes.join', { as: null, params: { live_class_id: 'missing' } })).status).toBe(401);
    expect((await call('courses.put-instructor', { as: null, params: { course_id: 'bio', user_id: 'x' } })).status).toBe(401);
  });
});

describe('course ids and validation', () => {
  it('refuses course ids that could make an invalid or colliding room name with 400', async () => {
    for (const courseId of ['Bio-101', 'bio--101', '-bio', 'bio-', 'bio_101', 'bio.101', 'bio#1', 'x'.repeat(65)]) {
      const response = await call('courses.put-instructor', { as: admin, params: { course_id: courseId, user_id: instructor.sub } });
      expect(outcome(response), courseId).toEqual({ status: 400, error: 'validation_error' });
    }
  });

  it('validates the create body: title required, scheduled_at ISO-8601, no unknown fields', async () => {
    const courseId = await newCourse();
    const params = { course_id: courseId };
    expect((await call('live-classes.create', { as: instructor, params, body: {} })).status).toBe(400);
    expect((await call('live-classes.create', { as: instructor, params, body: { title: '  ' } })).status).toBe(400);
    expect((await call('live-classes.create', { as: instructor, params, body: { title: 'x', scheduled_at: 'tomorrow' } })).status).toBe(
      400,
    );
    const impossibleDay = await call('live-classes.create', {
      as: instructor,
      params,
      body: { title: 'x', scheduled_at: '2026-02-30T09:00:00Z' },
    });
    expect(impossibleDay).toMatchObject({ status: 400, body: { error: 'validation_error' } });
    const unknown = await call('live-classes.create', { as: instructor, params, body: { title: 'x', room_name: 'mine' } });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body.details)).toContain('room_name');
  });
});

describe('creating and listing live classes', () => {
  it('creates a scheduled class with its room name and lists it for enrolled students', async () => {
    const courseId = await newCourse();
    const response = await call('live-classes.create', {
      as: instructor,
      params: { course_id: courseId },
      body: { title: 'Mitosis', scheduled_at: '2026-11-21T10:00:00+01:00' },
    });
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({
      course_id: courseId,
      title: 'Mitosis',
      status: 'scheduled',
      scheduled_at: '2026-11-21T09:00:00.000Z',
    });
    expect(response.body.room_name).toBe(`${courseId}-${response.body.live_class_id}-${response.body.room_name.split('-').at(-1)}`);
    const listed = await call('live-classes.list', { as: student, params: { course_id: courseId } });
    expect(listed.body.items).toEqual([response.body]);
    expect(listed.body.next_cursor).toBeNull();
    const fetched = await call('live-classes.get', { as: student, params: { live_class_id: response.body.live_class_id } });
    expect(fetched.body).toEqual(response.body);
  });

  it('lists in schedule order a page at a time', async () => {
    const courseId = await newCourse();
    const ids: string[] = [];
    for (const hour of ['11', '09', '10']) {
      const created = await call('live-classes.create', {
        as: admin,
        params: { course_id: courseId },
        body: { title: hour, scheduled_at: `2026-11-21T${hour}:00:00.000Z` },
      });
      ids.push(created.body.live_class_id);
    }
    const first = await call('live-classes.list', { as: instructor, params: { course_id: courseId }, query: 'limit=2' });
    expect(first.body.items.map((item: any) => item.title)).toEqual(['09', '10']);
    const second = await call('live-classes.list', {
      as: instructor,
      params: { course_id: courseId },
      query: `limit=2&cursor=${first.body.next_cursor}`,
    });
    expect(second.body.items.map((item: any) => item.title)).toEqual(['11']);
    expect(second.body.next_cursor).toBeNull();
    expect((await call('live-classes.list', { as: instructor, params: { course_id: courseId }, query: 'cursor=bm9wZQ' })).status).toBe(400);
  });

  it('gives 30 concurrent creates 30 distinct, well-formed room names, each claimed in the table', async () => {
    const courseId = await newCourse();
    const responses = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        call('live-classes.create', {
          as: index % 2 ? admin : instructor,
          params: { course_id: courseId },
          body: { title: `Class ${index}` },
        }),
      ),
    );
    expect(responses.map((response) => response.status)).toEqual(Array(30).fill(201));
    const rooms = responses.map((response) => response.body.room_name as string);
    expect(new Set(rooms).size).toBe(30);
    for (const response of responses) {
      expect(response.body.room_name).toMatch(new RegExp(`^${courseId}-${response.body.live_class_id}-[a-z2-7]{26}$`));
    }
    const claims = await Promise.all(
      rooms.map((room) =>
        dynamo().send(new GetItemCommand({ TableName: tableName(), Key: toAttributes(keys.room(room)), ConsistentRead: true })),
      ),
    );
    claims.forEach((claim, index) => expect(claim.Item?.live_class_id?.S).toBe(responses[index]?.body.live_class_id));
    expect((await call('live-classes.list', { as: student, params: { course_id: courseId } })).body.items).toHaveLength(30);
  });

  it('never reuses a room name that is already claimed: the conditional write refuses it and fresh random parts are drawn', async () => {
    const courseId = await newCourse();
    const squattedRoom = `${courseId}-aaaaaaaaaaaaaaaa-${'b'.repeat(26)}`;
    await dynamo().send(
      new PutItemCommand({ TableName: tableName(), Item: toAttributes({ ...keys.room(squattedRoom), live_class_id: 'someone-else' }) }),
    );
    const draws = { ids: ['aaaaaaaaaaaaaaaa', 'cccccccccccccccc'], suffixes: ['b'.repeat(26), 'd'.repeat(26)] };
    const caller: Caller = { userId: instructor.sub, roles: new Set(['instructor']), isAdmin: false };
    const created = await createLiveClass(
      caller,
      courseId,
      { title: 'Collision' },
      {
        liveClassId: () => draws.ids.shift() as string,
        roomSuffix: () => draws.suffixes.shift() as string,
      },
    );
    expect(created.room_name).toBe(`${courseId}-cccccccccccccccc-${'d'.repeat(26)}`);
    expect(draws.ids).toEqual([]);
    // Nothing of the refused attempt was written.
    const refused = await dynamo().send(
      new GetItemCommand({ TableName: tableName(), Key: toAttributes(keys.liveClass('aaaaaaaaaaaaaaaa')) }),
    );
    expect(refused.Item).toBeUndefined();
  });
});

describe('joining and tokens', () => {
  it('gives a host a moderator token (owner, lobby bypass, recording) in the shape the Flutter app reads', async () => {
    const courseId = await newCourse();
    const created = await newClass(courseId, 'Genetics');
    const started = await call('live-classes.start', { as: instructor, params: { live_class_id: created.live_class_id } });
    expect(started.status).toBe(200);
    expect(Object.keys(started.body)).toEqual(JOIN_FIELDS);
    expect(started.body).toMatchObject({
      live_class_id: created.live_class_id,
      room: created.room_name,
      subject: 'Genetics',
      jitsi_server_url: 'https://jitsi.test.example',
      jitsi_domain: 'jitsi.test.example',
      is_moderator: true,
    });
    expect(started.body.feature_flags).toEqual({ 'lobby-mode.enabled': false, 'prejoinpage.enabled': true, 'recording.enabled': true });
    expect(started.body.ice_servers[1].username).toMatch(/^\d+:lc-teacher$/);

    expect(decodeProtectedHeader(started.body.token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const claims = await verifyJitsi(started.body.token);
    expect(claims).toMatchObject({ aud: 'jitsi', iss: 'calls-test', sub: 'jitsi.test.example', room: created.room_name });
    expect(claims.nbf).toBe(claims.iat - 30);
    expect(new Date(started.body.token_expires_at).getTime()).toBe(claims.exp * 1000);
    expect(claims.context).toEqual({
      user: {
        id: 'lc-teacher',
        name: 'Tina Teacher',
        email: 'tina@example.com',
        moderator: true,
        affiliation: 'owner',
        lobby_bypass: true,
      },
      features: { recording: true, livestreaming: false, transcription: false, 'outbound-call': false },
    });
  });

  it('gives an enrolled student a lobby token with every feature off', async () => {
    const courseId = await newCourse();
    const { live_class_id, room_name } = await liveClass(courseId);
    const joined = await call('live-classes.join', { as: student, params: { live_class_id } });
    expect(joined.status).toBe(200);
    expect(Object.keys(joined.body)).toEqual(JOIN_FIELDS);
    expect(joined.body).toMatchObject({ room: room_name, is_moderator: false });
    expect(joined.body.feature_flags).toEqual({ 'lobby-mode.enabled': true, 'prejoinpage.enabled': true, 'recording.enabled': false });
    const claims = await verifyJitsi(joined.body.token);
    expect(claims.room).toBe(room_name);
    expect(claims.context).toEqual({
      user: { id: 'lc-student', name: 'Sam Student', moderator: false, affiliation: 'member', lobby: true },
      features: { recording: false, livestreaming: false, transcription: false, 'outbound-call': false },
    });

    const refreshed = await call('live-classes.token', { as: student, params: { live_class_id } });
    expect(Object.keys(refreshed.body)).toEqual(['token', 'token_expires_at']);
    expect((await verifyJitsi(refreshed.body.token)).context).toEqual(claims.context);
  });

  it('makes admins and the course instructors hosts on join, from the assignment rather than the global role', async () => {
    const courseId = await newCourse();
    const { live_class_id } = await liveClass(courseId);
    const adminJoin = await call('live-classes.join', { as: admin, params: { live_class_id } });
    expect((await verifyJitsi(adminJoin.body.token)).context.user).toMatchObject({
      moderator: true,
      affiliation: 'owner',
      lobby_bypass: true,
    });
    // No global instructor role, but assigned to this course: a host.
    const assigned: TestUser = { sub: `ta-${hex()}`, roles: ['student'] };
    await call('courses.put-instructor', { as: admin, params: { course_id: courseId, user_id: assigned.sub } });
    const taJoin = await call('live-classes.join', { as: assigned, params: { live_class_id } });
    expect(taJoin.body.is_moderator).toBe(true);
    expect((await call('live-classes.token', { as: assigned, params: { live_class_id } })).status).toBe(200);
  });

  it('joins in two sequential DynamoDB round trips: a BatchGetItem, then the transaction beside the role read', async () => {
    const courseId = await newCourse();
    const { live_class_id } = await liveClass(courseId);
    const { calls, restore } = recordRoundTrips();
    expect((await call('live-classes.join', { as: student, params: { live_class_id } })).status).toBe(200);
    restore();
    expect(calls.map((entry) => entry.command)).toEqual(['BatchGetItemCommand', 'TransactWriteItemsCommand', 'GetItemCommand']);
    expect(calls.map((entry) => entry.settledBefore)).toEqual([0, 1, 1]);
  });

  it('lets 60 students join at once, one of them from three devices, and keeps every session', async () => {
    const courseId = await newCourse();
    const { live_class_id } = await liveClass(courseId);
    const students = Array.from({ length: 60 }, (_, index) => `s${index}-${hex()}`);
    for (const sub of students) await call('courses.put-enrollment', { as: admin, params: { course_id: courseId, user_id: sub } });
    const joins = await Promise.all([
      ...students.map((sub) => call('live-classes.join', { as: { sub, roles: ['student'] }, params: { live_class_id } })),
      ...[1, 2, 3].map(() => call('live-classes.join', { as: student, params: { live_class_id } })),
    ]);
    expect(joins.map((response) => response.status)).toEqual(Array(63).fill(200));
    const attendance = await call('live-classes.attendance', { as: instructor, params: { live_class_id } });
    expect(attendance.body.items).toHaveLength(62);
    const sam = attendance.body.items.find((item: any) => item.user_id === student.sub);
    expect(sam.sessions).toHaveLength(3);
    expect(sam.sessions.filter((session: any) => session.left_at === null)).toHaveLength(1);
  });
});

describe('lifecycle', () => {
  it('answers 409 live_class_not_started before the start and live_class_ended after the end', async () => {
    const courseId = await newCourse();
    const { live_class_id } = await newClass(courseId);
    const params = { live_class_id };
    expect(outcome(await call('live-classes.join', { as: student, params }))).toEqual({ status: 409, error: 'live_class_not_started' });
    expect(outcome(await call('live-classes.token', { as: student, params }))).toEqual({ status: 409, error: 'live_class_not_started' });
    expect(outcome(await call('live-classes.end', { as: instructor, params }))).toEqual({ status: 409, error: 'live_class_not_started' });
    // Outsiders are told they are outsiders, not the class's state.
    expect(outcome(await call('live-classes.join', { as: outsider, params }))).toEqual({ status: 403, error: 'not_enrolled' });

    const started = await call('live-classes.start', { as: instructor, params });
    expect(started.status).toBe(200);
    const live = await call('live-classes.get', { as: student, params });
    expect(live.body).toMatchObject({ status: 'live', ended_at: null, duration_seconds: null });
    expect(live.body.started_at).toEqual(expect.any(String));
    // A second start by another host joins the live class instead of failing.
    expect((await call('live-classes.start', { as: admin, params })).body.is_moderator).toBe(true);

    await call('live-classes.join', { as: student, params });
    const ended = await call('live-classes.end', { as: instructor, params });
    expect(ended.status).toBe(200);
    expect(Object.keys(ended.body)).toEqual(['status', 'started_at', 'ended_at', 'duration_seconds', 'jitsi_meeting_ended']);
    expect(ended.body).toMatchObject({ status: 'ended', started_at: live.body.started_at });
    expect(ended.body.duration_seconds).toBe(Math.round((Date.parse(ended.body.ended_at) - Date.parse(ended.body.started_at)) / 1000));

    const again = await call('live-classes.end', { as: admin, params });
    expect(again).toMatchObject({ status: 200, body: ended.body });
    expect(outcome(await call('live-classes.join', { as: student, params }))).toEqual({ status: 409, error: 'live_class_ended' });
    expect(outcome(await call('live-classes.token', { as: student, params }))).toEqual({ status: 409, error: 'live_class_ended' });
    expect(outcome(await call('live-classes.start', { as: instructor, params }))).toEqual({ status: 409, error: 'live_class_ended' });
    const { jitsi_meeting_ended: jitsiMeetingEnded, ...endedClass } = ended.body;
    expect(jitsiMeetingEnded).toBeNull();
    expect((await call('live-classes.get', { as: student, params })).body).toMatchObject({ status: 'ended', ...endedClass });

    // The student's open session was closed at the end; hanging up afterwards reports that session.
    const left = await call('live-classes.leave', { as: student, params });
    expect(left).toMatchObject({ status: 200, body: { live_class_id, user_id: student.sub, left_at: ended.body.ended_at } });
    expect(outcome(await call('live-classes.leave', { as: outsider, params }))).toEqual({ status: 409, error: 'not_in_call' });
  });

  it('keeps one start when two hosts start at once', async () => {
    const courseId = await newCourse();
    const { live_class_id } = await newClass(courseId);
    const [first, second] = await Promise.all([
      call('live-classes.start', { as: instructor, params: { live_class_id } }),
      call('live-classes.start', { as: admin, params: { live_class_id } }),
    ]);
    expect([first?.status, second?.status]).toEqual([200, 200]);
    const attendance = await call('live-classes.attendance', { as: admin, params: { live_class_id } });
    expect(attendance.body.items.map((item: any) => [item.user_id, item.role, item.sessions.length])).toEqual([
      [admin.sub, 'host', 1],
      [instructor.sub, 'host', 1],
    ]);
  });
});

describe('attendance', () => {
  it('lists each attendee with role, every session and total seconds, and keeps it after the end', async () => {
    const courseId = await newCourse();
    const { live_class_id } = await liveClass(courseId);
    const params = { live_class_id };
    const first = await call('live-classes.join', { as: student, params });
    expect(first.status).toBe(200);
    const firstLeave = await call('live-classes.leave', { as: student, params });
    expect(firstLeave.body.duration_seconds).toBeGreaterThanOrEqual(0);
    await call('live-classes.join', { as: student, params });
    const secondLeave = await call('live-classes.leave', { as: student, params });
    expect(outcome(await call('live-classes.leave', { as: student, params }))).toEqual({ status: 409, error: 'not_in_call' });

    const ended = await call('live-classes.end', { as: instructor, params });
    const attendance = await call('live-classes.attendance', { as: instructor, params });
    expect(attendance.status).toBe(200);
    const byUser = Object.fromEntries(attendance.body.items.map((item: any) => [item.user_id, item]));
    expect(Object.keys(byUser).sort()).toEqual([instructor.sub, student.sub].sort());

    const sam = byUser[student.sub];
    expect(sam.role).toBe('participant');
    expect(sam.sessions).toEqual([
      {
        joined_at: firstLeave.body.joined_at,
        left_at: firstLeave.body.left_at,
        duration_seconds: firstLeave.body.duration_seconds,
        left_reason: 'left',
      },
      {
        joined_at: secondLeave.body.joined_at,
        left_at: secondLeave.body.left_at,
        duration_seconds: secondLeave.body.duration_seconds,
        left_reason: 'left',
      },
    ]);
    expect(sam.total_seconds).toBe(firstLeave.body.duration_seconds + secondLeave.body.duration_seconds);

    const tina = byUser[instructor.sub];
    expect(tina.role).toBe('host');
    expect(tina.sessions).toHaveLength(1);
    expect(tina.sessions[0].left_at).toBe(ended.body.ended_at);
    expect(tina.sessions[0].left_reason).toBe('call_ended');

    // Kept after the end, and still only for the class's managers.
    expect((await call('live-classes.attendance', { as: admin, params })).body).toEqual(attendance.body);
    expect(outcome(await call('live-classes.attendance', { as: student, params }))).toEqual({ status: 403, error: 'forbidden' });
  });
});

describe('enrollment', () => {
  it('answers 403 not_enrolled to a student unenrolled while the class runs, and lets them back once re-enrolled', async () => {
    const courseId = await newCourse();
    const { live_class_id } = await liveClass(courseId);
    const params = { live_class_id };
    expect((await call('live-classes.join', { as: student, params })).status).toBe(200);
    expect(
      (await call('courses.delete-enrollment', { as: instructor, params: { course_id: courseId, user_id: student.sub } })).status,
    ).toBe(204);
    // Idempotent.
    expect(
      (await call('courses.delete-enrollment', { as: instructor, params: { course_id: courseId, user_id: student.sub } })).status,
    ).toBe(204);

    expect(outcome(await call('live-classes.join', { as: student, params }))).toEqual({ status: 403, error: 'not_enrolled' });
    expect(outcome(await call('live-classes.token', { as: student, params }))).toEqual({ status: 403, error: 'not_enrolled' });
    expect(outcome(await call('live-classes.get', { as: student, params }))).toEqual({ status: 403, error: 'not_enrolled' });
    // Leaving is still allowed: the session was theirs.
    expect((await call('live-classes.leave', { as: student, params })).status).toBe(200);

    expect((await call('courses.put-enrollment', { as: instructor, params: { course_id: courseId, user_id: student.sub } })).status).toBe(
      204,
    );
    const back = await call('live-classes.join', { as: student, params });
    expect(back.status).toBe(200);
    expect(decodeJwt(back.body.token).room).toBe(back.body.room);
  });
});
