import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '../shared/config';
import { resetJitsiApiForTests } from '../shared/domain/jitsi-end';
import { nickFromOccupantJid } from '../shared/jitsi/occupant';
import { call, setupApi, type TestUser } from './support/api';
import { occupant, occupantJid, reportJoined, reportLeft, unix } from './support/event-sync';

// A removal kicks the removed user's occupants through Prosody's HTTP API. The HTTP side here is
// a loopback recorder answering as mod_muc_kick_participant does (the real module runs in
// `npm run test:jitsi`); the store is DynamoDB Local.

const alice: TestUser = { sub: 'k-alice', name: 'Alice' };
const bob: TestUser = { sub: 'k-bob', name: 'Bob' };
const carol: TestUser = { sub: 'k-carol', name: 'Carol' };

interface Recorded {
  method: string;
  path: string;
  room: string | null;
  body: string;
}
const requests: Recorded[] = [];
let answer = 200;
let prosody: Server;
let savedUrl: string | undefined;

beforeAll(async () => {
  prosody = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://prosody.test');
      requests.push({ method: request.method ?? '', path: url.pathname, room: url.searchParams.get('room'), body });
      response.writeHead(answer).end();
    });
  });
  await new Promise<void>((resolve) => prosody.listen(0, '127.0.0.1', resolve));
  savedUrl = process.env.JITSI_INTERNAL_URL;
  process.env.JITSI_INTERNAL_URL = `http://127.0.0.1:${(prosody.address() as AddressInfo).port}/`;
  await setupApi();
  resetJitsiApiForTests();
});

afterAll(async () => {
  if (savedUrl === undefined) delete process.env.JITSI_INTERNAL_URL;
  else process.env.JITSI_INTERNAL_URL = savedUrl;
  resetConfigForTests();
  resetJitsiApiForTests();
  await new Promise<void>((resolve) => prosody.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
  answer = 200;
});

async function callWithBobInRoom(nodes: string[], leftNode?: string) {
  const thread = await call('threads.create', { as: alice, body: { member_ids: [bob.sub, carol.sub] } });
  const started = await call('calls.start', { as: alice, body: { thread_id: thread.body.thread_id, call_type: 'video' } });
  expect(started.status).toBe(201);
  const room = started.body.room as string;
  const t0 = unix(started.body.started_at) + 1;
  for (const node of nodes) {
    expect((await reportJoined(room, occupant(bob.sub, node, t0))).status).toBe(204);
    if (node === leftNode) expect((await reportLeft(room, occupant(bob.sub, node, t0, t0 + 5))).status).toBe(204);
  }
  return { threadId: thread.body.thread_id as string, room };
}

const kicks = () => requests.filter((request) => request.path.endsWith('/kick-participant'));

describe('removing a thread member who is in the call', () => {
  it('kicks each of their occupants still in the room, by the nick from its JID, and only theirs', async () => {
    const { threadId, room } = await callWithBobInRoom(['aaaaaaaa', 'bbbbbbbb', 'cccccccc'], 'bbbbbbbb');
    const removed = await call('threads.delete-member', { as: alice, params: { thread_id: threadId, user_id: bob.sub } });
    expect(removed.status).toBe(204);
    expect(kicks().map((kick) => kick.room)).toEqual([room.toLowerCase(), room.toLowerCase()]);
    expect(
      kicks()
        .map((kick) => JSON.parse(kick.body).participantId)
        .sort(),
    ).toEqual([nickFromOccupantJid(occupantJid('aaaaaaaa')), nickFromOccupantJid(occupantJid('cccccccc'))].sort());
  });

  it('kicks nobody when the removed member never reached the room', async () => {
    const { threadId } = await callWithBobInRoom([]);
    const removed = await call('threads.delete-member', { as: alice, params: { thread_id: threadId, user_id: carol.sub } });
    expect(removed.status).toBe(204);
    expect(kicks()).toEqual([]);
  });

  it('still removes the member when Prosody refuses the kick', async () => {
    answer = 500;
    const { threadId } = await callWithBobInRoom(['dddddddd']);
    const removed = await call('threads.delete-member', { as: alice, params: { thread_id: threadId, user_id: bob.sub } });
    expect(removed.status).toBe(204);
    expect(kicks()).toHaveLength(1);
    const thread = await call('threads.get', { as: alice, params: { thread_id: threadId } });
    expect(thread.body.members.map((member: { user_id: string }) => member.user_id)).not.toContain(bob.sub);
  });
});

describe('unenrolling a student who is in a live class', () => {
  const admin: TestUser = { sub: 'k-admin', name: 'Ada', roles: ['admin'] };
  const teacher: TestUser = { sub: 'k-teacher', name: 'Tess' };
  const student: TestUser = { sub: 'k-student', name: 'Stu' };

  it('kicks their occupant from the live class, and leaves the enrollment removed when Prosody fails', async () => {
    const courseId = `kick-${Date.now().toString(36)}`;
    const params = { course_id: courseId, user_id: student.sub };
    expect((await call('courses.put-instructor', { as: admin, params: { course_id: courseId, user_id: teacher.sub } })).status).toBe(204);
    expect((await call('courses.put-enrollment', { as: teacher, params })).status).toBe(204);
    const created = await call('live-classes.create', {
      as: teacher,
      params: { course_id: courseId },
      body: { title: 'Kicks', scheduled_at: '2026-11-21T09:00:00.000Z' },
    });
    const started = await call('live-classes.start', { as: teacher, params: { live_class_id: created.body.live_class_id } });
    expect(started.status).toBe(200);
    const room = created.body.room_name as string;
    expect((await reportJoined(room, occupant(student.sub, 'eeeeeeee', Math.floor(Date.now() / 1000)))).status).toBe(204);

    answer = 503;
    expect((await call('courses.delete-enrollment', { as: teacher, params })).status).toBe(204);
    expect(kicks().map((kick) => [kick.room, JSON.parse(kick.body).participantId])).toEqual([
      [room.toLowerCase(), nickFromOccupantJid(occupantJid('eeeeeeee'))],
    ]);
    const join = await call('live-classes.join', { as: student, params: { live_class_id: created.body.live_class_id } });
    expect(join.body.error).toBe('not_enrolled');
  });
});
