import { createPublicKey } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { publicKeyFileName } from '../shared/jitsi/system-token';
import { getConfig } from '../shared/config';
import { call, setupApi, type TestUser } from './support/api';
import { EVENTS_BEARER, occupant, reportJoined, reportLeft, unix } from './support/event-sync';

// Presence from Jitsi through the HTTP API (event_sync's routes) against DynamoDB Local.

const alice: TestUser = { sub: 'p-alice', name: 'Alice' };
const bob: TestUser = { sub: 'p-bob', name: 'Bob' };
beforeAll(async () => {
  await setupApi();
});

async function activeCall() {
  const thread = await call('threads.create', { as: alice, body: { member_ids: [bob.sub] } });
  const started = await call('calls.start', { as: alice, body: { thread_id: thread.body.thread_id, call_type: 'video' } });
  expect(started.status).toBe(201);
  return { callId: started.body.call_id as string, room: started.body.room as string, startedAt: started.body.started_at as string };
}

const log = async (callId: string) => (await call('calls.log', { as: alice, params: { call_id: callId } })).body;

describe('presence from event_sync', () => {
  it('answers 401 without the events secret, or with a wrong one, and 400 to a malformed body', async () => {
    const { room } = await activeCall();
    const body = { room_name: room, occupant: occupant(bob.sub, 'aaaaaaaa', 1) };
    expect((await call('jitsi.occupant-joined', { body })).status).toBe(401);
    expect((await call('jitsi.occupant-joined', { headers: { authorization: 'Bearer wrong' }, body })).body.error).toBe('unauthorized');
    const malformed = await call('jitsi.occupant-joined', { headers: EVENTS_BEARER, body: { room_name: room, occupant: { id: 'x' } } });
    expect(malformed).toMatchObject({ status: 400, body: { error: 'validation_error' } });
    const beyondDates = await reportJoined(room, occupant(bob.sub, 'aaaaaaaa', 8.64e12 + 1));
    expect(beyondDates).toMatchObject({ status: 400, body: { error: 'validation_error' } });
  });

  it('acknowledges foreign and breakout rooms with 204 and changes nothing', async () => {
    const { callId, room } = await activeCall();
    expect((await reportJoined('not-our-room', occupant(bob.sub, 'bbbbbbbb', 100))).status).toBe(204);
    const breakout = await call('jitsi.occupant-joined', {
      headers: EVENTS_BEARER,
      body: { room_name: room, is_breakout: true, occupant: occupant(bob.sub, 'bbbbbbbb', 100) },
    });
    expect(breakout.status).toBe(204);
    expect((await log(callId)).participants.map((p: any) => p.user_id)).toEqual([alice.sub]);
  });

  it('closes a crashed client’s session at Jitsi’s left_at as disconnected, the same for duplicates and reordering', async () => {
    const { callId, room, startedAt } = await activeCall();
    const t0 = unix(startedAt) + 2;
    const bobOccupant = occupant(bob.sub, 'cccccccc', t0, t0 + 30);
    // The left first, then its joined, then both again.
    expect((await reportLeft(room, bobOccupant)).status).toBe(204);
    expect((await reportJoined(room, occupant(bob.sub, 'cccccccc', t0))).status).toBe(204);
    await reportLeft(room, bobOccupant);
    await reportJoined(room, occupant(bob.sub, 'cccccccc', t0));
    const bobSessions = (await log(callId)).participants.filter((p: any) => p.user_id === bob.sub);
    expect(bobSessions).toEqual([
      {
        user_id: bob.sub,
        joined_at: new Date(t0 * 1000).toISOString(),
        left_at: new Date((t0 + 30) * 1000).toISOString(),
        duration_seconds: 30,
        left_reason: 'disconnected',
      },
    ]);
  });

  it('keeps the session open while a second device of the user is still in the room', async () => {
    const { callId, room, startedAt } = await activeCall();
    const t0 = unix(startedAt);
    await reportJoined(room, occupant(alice.sub, 'dddddddd', t0));
    await reportJoined(room, occupant(alice.sub, 'eeeeeeee', t0 + 5));
    await reportLeft(room, occupant(alice.sub, 'dddddddd', t0, t0 + 10));
    const open = (await log(callId)).participants.filter((p: any) => p.user_id === alice.sub);
    expect(open).toHaveLength(1);
    expect(open[0].left_at).toBeNull();
    await reportLeft(room, occupant(alice.sub, 'eeeeeeee', t0 + 5, t0 + 40));
    const closed = (await log(callId)).participants.filter((p: any) => p.user_id === alice.sub);
    expect(closed).toEqual([expect.objectContaining({ left_at: new Date((t0 + 40) * 1000).toISOString(), left_reason: 'disconnected' })]);
  });

  it('ends a thread call room_empty when Jitsi destroys the room, closing open sessions at destroyed_at', async () => {
    const { callId, room, startedAt } = await activeCall();
    const destroyedAt = unix(startedAt) + 60;
    const destroyed = await call('jitsi.room-destroyed', {
      headers: EVENTS_BEARER,
      body: { room_name: room, destroyed_at: destroyedAt, all_occupants: [occupant(alice.sub, 'ffffffff', unix(startedAt), destroyedAt)] },
    });
    expect(destroyed.status).toBe(204);
    const ended = await log(callId);
    expect(ended).toMatchObject({
      status: 'ended',
      end_reason: 'room_empty',
      ended_by: null,
      ended_at: new Date(destroyedAt * 1000).toISOString(),
    });
    for (const session of ended.participants) {
      expect(session.left_at).toBe(ended.ended_at);
      expect(session.duration_seconds).toBeGreaterThanOrEqual(0);
      expect(session.left_reason).toBe('disconnected');
    }
    // Delivered again: the same state.
    await call('jitsi.room-destroyed', { headers: EVENTS_BEARER, body: { room_name: room, destroyed_at: destroyedAt, all_occupants: [] } });
    expect(await log(callId)).toEqual(ended);
  });

  it('shortens to Jitsi’s left_at a session the room’s end closed first (a late left is not dropped)', async () => {
    const { callId, room, startedAt } = await activeCall();
    const t0 = unix(startedAt) + 1;
    await reportJoined(room, occupant(bob.sub, 'abababab', t0));
    // The room's end is delivered before bob's own left, which happened earlier.
    await call('jitsi.room-destroyed', { headers: EVENTS_BEARER, body: { room_name: room, destroyed_at: t0 + 60, all_occupants: [] } });
    expect((await reportLeft(room, occupant(bob.sub, 'abababab', t0, t0 + 30))).status).toBe(204);
    const bobSessions = (await log(callId)).participants.filter((p: any) => p.user_id === bob.sub);
    expect(bobSessions).toEqual([
      {
        user_id: bob.sub,
        joined_at: new Date(t0 * 1000).toISOString(),
        left_at: new Date((t0 + 30) * 1000).toISOString(),
        duration_seconds: 30,
        left_reason: 'disconnected',
      },
    ]);
  });
});

describe('the system key route', () => {
  it('serves the system public key at its sha256-of-kid file name without auth, and 404 for another', async () => {
    const file = publicKeyFileName(getConfig().JITSI_SYSTEM_KID);
    const served = await call('jitsi.keys', { params: { file } });
    expect(served.status).toBe(200);
    expect(createPublicKey(served.raw).asymmetricKeyType).toBe('rsa');
    expect(served.raw).not.toContain('PRIVATE');
    expect((await call('jitsi.keys', { params: { file: publicKeyFileName('other') } })).status).toBe(404);
  });
});
