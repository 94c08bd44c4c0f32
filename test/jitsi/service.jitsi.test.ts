import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFileName } from '../../shared/jitsi/system-token';
import { devApi, waitFor } from '../support/dev-server';
import { PLUGINS_HELP } from './prosody';
import { bearer, enterRoom, startJitsiStack, type InRoom, type JitsiStack, type TappedRequest } from './stack';
import { joinRoom, MUC_USER, type XmppClient } from './xmpp-client';

// End to end through the service: the real local server mints the tokens (start and join
// responses), Prosody runs the shipped ops/jitsi configuration, event_sync posts to the
// server, and the server ends meetings and kicks through Prosody's HTTP API.

const pluginsRoot = process.env.JITSI_PROSODY_PLUGINS;
if (!pluginsRoot) throw new Error(PLUGINS_HELP);

const SYSTEM_KID = 'calls-system-e2e';
const dataDir = mkdtempSync(join(tmpdir(), 'jitsi-service-'));
let stack: JitsiStack;
const clients: XmppClient[] = [];

beforeAll(async () => {
  stack = await startJitsiStack({
    pluginsRoot,
    dataDir,
    domain: 'meet.jitsi.test',
    appId: 'calls-jitsi-e2e',
    audience: 'jitsi',
    jwtSecret: randomBytes(32).toString('hex'),
    systemKid: SYSTEM_KID,
  });
}, 120_000);

afterAll(async () => {
  for (const client of clients) client.drop();
  await stack?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

const api = async (method: string, path: string, user: string, body?: unknown, roles: string[] = []) =>
  devApi(stack.server, method, path, await bearer(stack, user, roles), body);

interface Session {
  user_id: string;
  joined_at: string;
  left_at: string | null;
  left_reason: string | null;
}
interface CallLog {
  status: string;
  started_at: string;
  ended_at: string | null;
  duration_seconds: number | null;
  end_reason: string | null;
  ended_by: string | null;
  participants: Session[];
}

const callLog = async (callId: string, user: string) => {
  const response = await api('GET', `/api/calls/${callId}/log`, user);
  expect(response.status).toBe(200);
  return response.body as CallLog;
};

/** A thread of `owner` and `others`, and a video call the owner starts. */
async function startThreadCall(owner: string, others: string[]) {
  const thread = await api('POST', '/api/threads', owner, { title: 'e2e', member_ids: others });
  expect(thread.status).toBe(201);
  const started = await api('POST', '/api/calls/start', owner, { thread_id: thread.body.thread_id, call_type: 'video' });
  expect(started.status).toBe(201);
  return { threadId: thread.body.thread_id as string, callId: started.body.call_id as string, room: started.body.room as string, start: started.body };
}

async function joinCall(callId: string, user: string) {
  const joined = await api('POST', `/api/calls/${callId}/join`, user);
  expect(joined.status).toBe(200);
  return joined.body;
}

/** event_sync's post about `user` in `room` that the service answered with a 2xx. */
const presenceTaken = (kind: 'joined' | 'left', room: string, user: string) => (request: TappedRequest) =>
  request.path === `/api/jitsi/events/occupant/${kind}` &&
  request.body?.room_name === room &&
  (request.body.occupant as { id?: string } | undefined)?.id === user &&
  request.status >= 200 &&
  request.status < 300;

const unavailableFrom = (who: InRoom) =>
  who.client.waitFor((s) => s.is('presence') && s.attrs.type === 'unavailable' && s.attrs.from === who.occupantJid);

const jitsiTime = (unixSeconds: unknown) => new Date(Number(unixSeconds) * 1000).toISOString();


describe('Jitsi and the service end to end', () => {
  it("gives the call's initiator and a thread moderator the room, and a member a seat, from the service's own tokens", async () => {
    const { threadId, callId, room, start } = await startThreadCall('alice', ['bob', 'carol']);
    expect((await api('PUT', `/api/threads/${threadId}/members/carol`, 'alice', { role: 'moderator' })).status).toBe(200);
    const join = await joinCall(callId, 'bob');
    const moderatorJoin = await joinCall(callId, 'carol');
    expect([start.is_moderator, moderatorJoin.is_moderator, join.is_moderator]).toEqual([true, true, false]);
    expect([join.room, moderatorJoin.room]).toEqual([room, room]);

    const alice = await enterRoom(stack, start.jitsi.token, room, 'Alice', clients);
    const bob = await enterRoom(stack, join.jitsi.token, room, 'Bob', clients);
    const carol = await enterRoom(stack, moderatorJoin.jitsi.token, room, 'Carol', clients);
    expect(alice).toMatchObject({ ok: true, affiliation: 'owner', role: 'moderator' });
    expect(carol).toMatchObject({ ok: true, affiliation: 'owner', role: 'moderator' });
    expect(bob).toMatchObject({ ok: true, affiliation: 'member', role: 'participant' });
  });

  it("gives a live class's instructor the room and sends an enrolled student through its lobby", async () => {
    const course = `bio-${randomBytes(4).toString('hex')}`;
    expect((await api('PUT', `/api/courses/${course}/instructors/tina`, 'ada', undefined, ['admin'])).status).toBe(204);
    expect((await api('PUT', `/api/courses/${course}/enrollments/sam`, 'tina', undefined, ['instructor'])).status).toBe(204);
    const created = await api('POST', `/api/courses/${course}/live-classes`, 'tina', { title: 'Cells' }, ['instructor']);
    expect(created.status).toBe(201);
    const classId = created.body.live_class_id as string;
    const host = await api('POST', `/api/live-classes/${classId}/start`, 'tina', undefined, ['instructor']);
    const student = await api('POST', `/api/live-classes/${classId}/join`, 'sam', undefined, ['student']);
    expect([host.status, student.status]).toEqual([200, 200]);
    expect([host.body.is_moderator, student.body.is_moderator]).toEqual([true, false]);

    const tina = await enterRoom(stack, host.body.token, host.body.room, 'Tina', clients);
    expect(tina).toMatchObject({ ok: true, affiliation: 'owner', role: 'moderator' });
    const sam = await enterRoom(stack, student.body.token, student.body.room, 'Sam', clients);
    expect(sam).toMatchObject({ ok: false, error: 'registration-required' });
    // The host admits the student (what Jitsi's lobby approval does): in as a member, not a moderator.
    await tina.client.iq(
      `<iq type='set' id='ID' to='${tina.roomJid}'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='${sam.client.jid.split('/')[0]}'/></query></iq>`,
    );
    expect(await joinRoom(sam.client, sam.roomJid, sam.nick, 'Sam')).toMatchObject({ ok: true, affiliation: 'member', role: 'participant' });
  });

  it("closes the session of a client that drops its connection as disconnected, at Jitsi's time", async () => {
    const { callId, room, start } = await startThreadCall('alice', ['bob']);
    const join = await joinCall(callId, 'bob');
    const alice = await enterRoom(stack, start.jitsi.token, room, 'Alice', clients);
    const bob = await enterRoom(stack, join.jitsi.token, room, 'Bob', clients);
    expect([alice.ok, bob.ok]).toEqual([true, true]);
    await stack.tap.waitFor(presenceTaken('joined', room, 'bob'));

    bob.client.drop();
    const left = await stack.tap.waitFor(presenceTaken('left', room, 'bob'));
    const log = await waitFor(async () => {
      const current = await callLog(callId, 'alice');
      return current.participants.find((session) => session.user_id === 'bob' && session.left_at) ? current : undefined;
    }, 15_000);

    const bobSession = log.participants.find((session) => session.user_id === 'bob');
    expect(bobSession).toMatchObject({ left_reason: 'disconnected', left_at: jitsiTime((left.body?.occupant as { left_at: number }).left_at) });
    // Alice is still in the room: her session stays open and the call goes on.
    expect(log.participants.find((session) => session.user_id === 'alice')).toMatchObject({ left_at: null, left_reason: null });
    expect(log).toMatchObject({ status: 'active', end_reason: null });
  });

  it('ends the call as room_empty when the last one leaves the room', async () => {
    const { callId, room, start } = await startThreadCall('alice', ['bob']);
    const join = await joinCall(callId, 'bob');
    const alice = await enterRoom(stack, start.jitsi.token, room, 'Alice', clients);
    const bob = await enterRoom(stack, join.jitsi.token, room, 'Bob', clients);

    for (const who of [alice, bob]) {
      const out = unavailableFrom(who);
      who.client.send(`<presence type='unavailable' to='${who.occupantJid}'/>`);
      await out;
    }
    const destroyed = await stack.tap.waitFor(
      (request) => request.path === '/api/jitsi/events/room/destroyed' && request.body?.room_name === room && request.status === 204,
    );
    const log = await waitFor(async () => {
      const current = await callLog(callId, 'alice');
      return current.status === 'ended' ? current : undefined;
    }, 15_000);

    expect(log).toMatchObject({ end_reason: 'room_empty', ended_by: null });
    // Jitsi's time: the room's destroyed_at, not when the service got round to it; Jitsi's whole
    // second may fall before the call's start in milliseconds, and a call never ends before it starts.
    const destroyedAt = jitsiTime(destroyed.body?.destroyed_at);
    expect(log.ended_at).toBe(Date.parse(destroyedAt) < Date.parse(log.started_at) ? log.started_at : destroyedAt);
    expect(log.duration_seconds).toBeGreaterThanOrEqual(0);
    expect(log.participants.map((session) => session.user_id).sort()).toEqual(['alice', 'bob']);
    for (const session of log.participants) {
      expect(session.left_reason).toBe('disconnected');
      expect(Date.parse(session.left_at ?? '')).toBeLessThanOrEqual(Date.parse(log.ended_at ?? ''));
    }
  });

  it('removes everyone from the Jitsi room when the initiator ends the call', async () => {
    const { callId, room, start } = await startThreadCall('alice', ['bob']);
    const join = await joinCall(callId, 'bob');
    const alice = await enterRoom(stack, start.jitsi.token, room, 'Alice', clients);
    const bob = await enterRoom(stack, join.jitsi.token, room, 'Bob', clients);
    const aliceOut = unavailableFrom(alice);
    const bobOut = unavailableFrom(bob);

    const ended = await api('POST', `/api/calls/${callId}/end`, 'alice');
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ status: 'ended', end_reason: 'ended', ended_by: 'alice', jitsi_meeting_ended: true });
    for (const gone of await Promise.all([aliceOut, bobOut])) expect(gone.getChild('x', MUC_USER)?.getChild('destroy')).toBeDefined();
    // Prosody checked the service's system token against the key the service serves.
    expect(stack.tap.requests).toContainEqual(
      expect.objectContaining({ method: 'GET', path: `/api/jitsi/keys/${publicKeyFileName(SYSTEM_KID)}`, status: 200 }),
    );
  });

  it('kicks a member removed from the thread while in the room, and only them', async () => {
    const { threadId, callId, room, start } = await startThreadCall('alice', ['bob', 'carol']);
    const alice = await enterRoom(stack, start.jitsi.token, room, 'Alice', clients);
    const bob = await enterRoom(stack, (await joinCall(callId, 'bob')).jitsi.token, room, 'Bob', clients);
    const carol = await enterRoom(stack, (await joinCall(callId, 'carol')).jitsi.token, room, 'Carol', clients);
    // The service kicks the occupants Jitsi reported: wait until it has taken Bob's.
    await stack.tap.waitFor(presenceTaken('joined', room, 'bob'));
    const bobKicked = unavailableFrom(bob);

    expect((await api('DELETE', `/api/threads/${threadId}/members/bob`, 'alice')).status).toBe(204);
    const kicked = await bobKicked;
    expect(kicked.getChild('x', MUC_USER)?.getChildren('status').map((status) => status.attrs.code)).toContain('307');
    // Alice and Carol stay: still in the room (no unavailable for them) and able to talk to it.
    for (const stays of [alice, carol]) {
      expect(stays.client.received.some((s) => s.is('presence') && s.attrs.type === 'unavailable' && s.attrs.from === stays.occupantJid)).toBe(false);
    }
    const heard = carol.client.waitFor((s) => s.is('message') && s.attrs.from === alice.occupantJid && s.getChildText('body') === 'still here');
    alice.client.send(`<message type='groupchat' to='${alice.roomJid}'><body>still here</body></message>`);
    await heard;
    expect(await callLog(callId, 'alice')).toMatchObject({ status: 'active' });
  });
});
