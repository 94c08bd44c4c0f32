import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { dynamo, tableName, toAttributes } from '../shared/db/client';
import { keys } from '../shared/db/keys';
import { JOINS_PER_MINUTE } from '../shared/domain/room-rules';
import { MAX_THREAD_MEMBERS, putMember } from '../shared/domain/threads';
import type { Caller } from '../shared/http/auth';
import { call, setupApi } from './support/api';
import { recordRoundTrips } from './support/round-trips';

// Regression tests for the room engine's redesign (issue 9) and issue 15 items 1, 2 and 7.

beforeAll(async () => {
  await setupApi();
});

const owner = { sub: 'owner' };

describe('user ids named after object built-ins (issue 15 item 1)', () => {
  it('creates, reads and calls in threads whose members and owner are constructor, __proto__ and toString', async () => {
    const created = await call('threads.create', { as: { sub: '__proto__' }, body: { member_ids: ['constructor', 'toString', 'bob'] } });
    expect(created.status).toBe(201);
    expect(created.body.members).toEqual([
      { user_id: '__proto__', role: 'owner' },
      { user_id: 'bob', role: 'member' },
      { user_id: 'constructor', role: 'member' },
      { user_id: 'toString', role: 'member' },
    ]);
    const threadId = created.body.thread_id as string;
    expect((await call('threads.get', { as: { sub: '__proto__' }, params: { thread_id: threadId } })).status).toBe(200);
    const started = await call('calls.start', { as: { sub: 'constructor' }, body: { thread_id: threadId, call_type: 'audio' } });
    expect(started.status).toBe(201);
    expect(started.body).toMatchObject({ initiator_id: 'constructor' });
    const joined = await call('calls.join', { as: { sub: 'toString' }, params: { call_id: started.body.call_id } });
    expect(joined).toMatchObject({ status: 200, body: { is_moderator: false } });
    const ownerJoin = await call('calls.join', { as: { sub: '__proto__' }, params: { call_id: started.body.call_id } });
    expect(ownerJoin.body.is_moderator).toBe(true);
    expect((await call('calls.join', { as: { sub: 'hasOwnProperty' }, params: { call_id: started.body.call_id } })).body.error).toBe(
      'not_a_thread_member',
    );
    const ended = await call('calls.end', { as: { sub: '__proto__' }, params: { call_id: started.body.call_id } });
    expect(ended.status).toBe(200);
    expect(ended.body.participants.map((session: { user_id: string }) => session.user_id).sort()).toEqual([
      '__proto__',
      'constructor',
      'toString',
    ]);
  });

  it('adds and removes a member named __proto__ through the members route', async () => {
    const created = await call('threads.create', { as: owner, body: { member_ids: ['bob'] } });
    const params = { thread_id: created.body.thread_id, user_id: '__proto__' };
    expect((await call('threads.put-member', { as: owner, params, body: { role: 'moderator' } })).status).toBe(200);
    let members = (await call('threads.get', { as: owner, params: { thread_id: params.thread_id } })).body.members;
    expect(members).toContainEqual({ user_id: '__proto__', role: 'moderator' });
    expect((await call('threads.delete-member', { as: owner, params })).status).toBe(204);
    members = (await call('threads.get', { as: owner, params: { thread_id: params.thread_id } })).body.members;
    expect(members).not.toContainEqual(expect.objectContaining({ user_id: '__proto__' }));
  });
});

describe('thread membership as items', () => {
  it('creates a thread with 200 members in one request, all readable at once', async () => {
    const memberIds = Array.from({ length: 200 }, (_, index) => `member-${index}`);
    const created = await call('threads.create', { as: owner, body: { member_ids: memberIds } });
    expect(created.status).toBe(201);
    const read = await call('threads.get', { as: { sub: 'member-199' }, params: { thread_id: created.body.thread_id } });
    expect(read.body.members).toHaveLength(201);
  });

  it('answers the cap (400 validation_error) to every add past 1,000, whatever the timing (issue 15 item 2)', async () => {
    const memberIds = Array.from({ length: 199 }, (_, index) => `c${index}`);
    const created = await call('threads.create', { as: owner, body: { member_ids: memberIds } });
    const threadId = created.body.thread_id as string;
    const admin: Caller = { userId: 'owner', roles: new Set(), isAdmin: false };
    const more = Array.from({ length: MAX_THREAD_MEMBERS - 200 - 4 }, (_, index) => `d${index}`);
    for (let index = 0; index < more.length; index += 25) {
      await Promise.all(more.slice(index, index + 25).map((userId) => putMember(admin, threadId, userId, 'member')));
    }
    // 996 members: 16 concurrent adds, 4 fit.
    const adds = await Promise.all(
      Array.from({ length: 16 }, (_, index) =>
        call('threads.put-member', { as: owner, params: { thread_id: threadId, user_id: `race${index}` }, body: { role: 'member' } }),
      ),
    );
    expect(adds.filter((add) => add.status === 200)).toHaveLength(4);
    for (const add of adds.filter((candidate) => candidate.status !== 200)) {
      expect(add).toMatchObject({ status: 400, body: { error: 'validation_error' } });
    }
    const read = await call('threads.get', { as: owner, params: { thread_id: threadId } });
    expect(read.body.members).toHaveLength(MAX_THREAD_MEMBERS);
  }, 120_000);
});

describe('end', () => {
  it('ends a call with 50 open sessions in at most three sequential round trips, closing each at ended_at', async () => {
    const memberIds = Array.from({ length: 49 }, (_, index) => `e${index}`);
    const created = await call('threads.create', { as: owner, body: { member_ids: memberIds } });
    const started = await call('calls.start', { as: owner, body: { thread_id: created.body.thread_id, call_type: 'video' } });
    const callId = started.body.call_id as string;
    await Promise.all(memberIds.map((sub) => call('calls.join', { as: { sub }, params: { call_id: callId } })));

    const trips = recordRoundTrips();
    const ended = await call('calls.end', { as: owner, params: { call_id: callId } });
    trips.restore();
    expect(ended.status).toBe(200);
    expect(trips.sequentialRoundTrips()).toBeLessThanOrEqual(3);
    // The end's own transaction, then one per open session: the close and its ParticipantLeft together.
    expect(trips.calls.filter((entry) => entry.command === 'TransactWriteItemsCommand')).toHaveLength(51);

    const log = await call('calls.log', { as: owner, params: { call_id: callId } });
    expect(log.body.participants).toHaveLength(50);
    for (const session of log.body.participants) expect(session.left_at).toBe(ended.body.ended_at);
  });

  it('ends a live class with open sessions in at most three sequential round trips', async () => {
    await call('courses.put-instructor', { as: { sub: 'root', roles: ['admin'] }, params: { course_id: 'end-101', user_id: 'tina' } });
    const students = Array.from({ length: 20 }, (_, index) => `st${index}`);
    for (const sub of students)
      await call('courses.put-enrollment', { as: { sub: 'tina' }, params: { course_id: 'end-101', user_id: sub } });
    const created = await call('live-classes.create', { as: { sub: 'tina' }, params: { course_id: 'end-101' }, body: { title: 'End' } });
    const params = { live_class_id: created.body.live_class_id };
    await call('live-classes.start', { as: { sub: 'tina' }, params });
    await Promise.all(students.map((sub) => call('live-classes.join', { as: { sub, roles: ['student'] }, params })));
    const trips = recordRoundTrips();
    const ended = await call('live-classes.end', { as: { sub: 'tina' }, params });
    trips.restore();
    expect(ended.status).toBe(200);
    expect(trips.sequentialRoundTrips()).toBeLessThanOrEqual(3);
    const attendance = await call('live-classes.attendance', { as: { sub: 'tina' }, params });
    for (const item of attendance.body.items) expect(item.sessions.at(-1).left_at).toBe(ended.body.ended_at);
  });
});

describe('the join rate (issue 15 item 7)', () => {
  it('answers 429 with a true Retry-After past the rate, and lets the participant back in once the minute has passed', async () => {
    const created = await call('threads.create', { as: owner, body: { member_ids: ['bob'] } });
    const started = await call('calls.start', { as: owner, body: { thread_id: created.body.thread_id, call_type: 'video' } });
    const callId = started.body.call_id as string;
    const now = Date.now();
    // JOINS_PER_MINUTE joins, the oldest 45 s ago: the window frees up in about 15 s.
    const sessions = Array.from({ length: JOINS_PER_MINUTE }, (_, index) => ({
      joined_at: new Date(now - 45_000 + index * 1000).toISOString(),
      left_at: new Date(now - 45_000 + index * 1000 + 500).toISOString(),
    }));
    const put = (list: typeof sessions) =>
      dynamo().send(
        new PutItemCommand({
          TableName: tableName(),
          Item: toAttributes({ ...keys.callParticipant(callId, 'bob'), user_id: 'bob', sessions: list }),
        }),
      );
    await put(sessions);
    const refused = await call('calls.join', { as: { sub: 'bob' }, params: { call_id: callId } });
    expect(refused).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(14);
    expect(retryAfter).toBeLessThanOrEqual(16);
    expect(refused.body.message).toContain(`${retryAfter} s`);

    // The same joins a minute earlier: the window is clear, so the join is let in.
    await put(
      sessions.map((session) => ({
        joined_at: new Date(Date.parse(session.joined_at) - 60_000).toISOString(),
        left_at: new Date(Date.parse(session.left_at) - 60_000).toISOString(),
      })),
    );
    expect((await call('calls.join', { as: { sub: 'bob' }, params: { call_id: callId } })).status).toBe(200);
  });

  it('moves closed sessions to an archive item when the participant item is full, and keeps every one in the log', async () => {
    const created = await call('threads.create', { as: owner, body: { member_ids: ['bob'] } });
    const started = await call('calls.start', { as: owner, body: { thread_id: created.body.thread_id, call_type: 'video' } });
    const callId = started.body.call_id as string;
    const old = Date.now() - 3_600_000;
    const sessions = Array.from({ length: 500 }, (_, index) => ({
      joined_at: new Date(old + index * 2000).toISOString(),
      left_at: new Date(old + index * 2000 + 1000).toISOString(),
    }));
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName(),
        Item: toAttributes({ ...keys.callParticipant(callId, 'bob'), user_id: 'bob', sessions }),
      }),
    );
    expect((await call('calls.join', { as: { sub: 'bob' }, params: { call_id: callId } })).status).toBe(200);
    expect((await call('calls.leave', { as: { sub: 'bob' }, params: { call_id: callId } })).status).toBe(200);
    expect((await call('calls.join', { as: { sub: 'bob' }, params: { call_id: callId } })).status).toBe(200);
    const log = await call('calls.log', { as: owner, params: { call_id: callId } });
    expect(log.body.participants.filter((session: { user_id: string }) => session.user_id === 'bob')).toHaveLength(502);
  });
});
