import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DeleteItemCommand, TransactionCanceledException, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamo, tableName, toAttributes, toValues } from '../shared/db/client';
import { callStore } from '../shared/db/calls';
import { INVITATION_PREFIX, keys } from '../shared/db/keys';
import { settleExpiredRings, settleInvitations } from '../shared/domain/ringing';
import { putMember } from '../shared/domain/threads';
import { relayOutboxOnce } from '../shared/events/local-relay';
import { EVENT_TYPES, type WebhookEvent } from '../shared/webhooks/envelope';
import { call, setupApi, type TestUser } from './support/api';
import { recordRoundTrips } from './support/round-trips';

// Ringing (../shared/API.md "Ringing") and the outbox ("Events"): through the HTTP handlers, with
// the events read back the way the local server delivers them (the local relay over the outbox).

const alice: TestUser = { sub: 'r-alice' };
const bob: TestUser = { sub: 'r-bob' };
const carol: TestUser = { sub: 'r-carol' };
const mallory: TestUser = { sub: 'r-mallory' };

const delivered: WebhookEvent[] = [];
async function events(): Promise<WebhookEvent[]> {
  await relayOutboxOnce([(event) => void delivered.push(event)]);
  return delivered;
}
const eventsOf = async (callId: string, type?: string) =>
  (await events()).filter((event) => event.data.call_id === callId && (type === undefined || event.type === type));

async function startedCall(members = [bob.sub, carol.sub], as = alice) {
  const thread = await call('threads.create', { as, body: { member_ids: members } });
  expect(thread.status).toBe(201);
  const started = await call('calls.start', { as, body: { thread_id: thread.body.thread_id, call_type: 'video' } });
  expect(started.status).toBe(201);
  return {
    threadId: thread.body.thread_id as string,
    callId: started.body.call_id as string,
    startedAt: started.body.started_at as string,
  };
}

const invitationsOf = async (callId: string) => (await call('calls.log', { as: alice, params: { call_id: callId } })).body.invitations;

beforeAll(async () => {
  await setupApi();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('ringing', () => {
  it('rings every other member: the log lists them ringing and CallStarted names them', async () => {
    const { callId, threadId } = await startedCall();
    const invitations = await invitationsOf(callId);
    expect(invitations).toEqual([
      { user_id: bob.sub, state: 'ringing', updated_at: expect.any(String) },
      { user_id: carol.sub, state: 'ringing', updated_at: expect.any(String) },
    ]);
    const [started] = await eventsOf(callId, 'CallStarted');
    expect(started?.data).toMatchObject({
      call_id: callId,
      thread_id: threadId,
      initiator_id: alice.sub,
      invited_user_ids: [bob.sub, carol.sub],
    });
  });

  it('answers GET /api/calls/incoming from one index Query, with ring_expires_at RING_TIMEOUT_SECONDS after the start', async () => {
    const { callId, threadId, startedAt } = await startedCall();
    const trips = recordRoundTrips();
    const incoming = await call('calls.incoming', { as: bob });
    trips.restore();
    expect(trips.calls.map((entry) => entry.command)).toEqual(['QueryCommand']);
    const item = incoming.body.items.find((candidate: any) => candidate.call_id === callId);
    expect(item).toEqual({
      call_id: callId,
      thread_id: threadId,
      call_type: 'video',
      initiator_id: alice.sub,
      started_at: startedAt,
      ring_expires_at: new Date(Date.parse(startedAt) + 45_000).toISOString(),
    });
    // The initiator is not rung.
    expect((await call('calls.incoming', { as: alice })).body.items.map((entry: any) => entry.call_id)).not.toContain(callId);
  });

  it('accepts on join (still 2 round trips), declines on decline, and answers 409 not_ringing after that', async () => {
    const { callId } = await startedCall();
    const trips = recordRoundTrips();
    expect((await call('calls.join', { as: bob, params: { call_id: callId } })).status).toBe(200);
    trips.restore();
    expect(trips.sequentialRoundTrips()).toBe(2);

    const declined = await call('calls.decline', { as: carol, params: { call_id: callId } });
    expect(declined).toMatchObject({ status: 200, body: { call_id: callId, user_id: carol.sub, state: 'declined' } });
    expect((await call('calls.decline', { as: carol, params: { call_id: callId } })).body.error).toBe('not_ringing');
    expect((await call('calls.decline', { as: bob, params: { call_id: callId } })).body.error).toBe('not_ringing');
    expect((await call('calls.decline', { as: alice, params: { call_id: callId } })).body.error).toBe('not_ringing');
    expect((await call('calls.decline', { as: mallory, params: { call_id: callId } })).body.error).toBe('not_a_thread_member');
    expect((await call('calls.decline', { as: bob, params: { call_id: 'no-such-call' } })).status).toBe(404);

    expect((await invitationsOf(callId)).map((entry: any) => [entry.user_id, entry.state])).toEqual([
      [bob.sub, 'accepted'],
      [carol.sub, 'declined'],
    ]);
    expect((await call('calls.incoming', { as: bob })).body.items.map((entry: any) => entry.call_id)).not.toContain(callId);
    expect((await call('calls.incoming', { as: carol })).body.items.map((entry: any) => entry.call_id)).not.toContain(callId);
    expect(await eventsOf(callId, 'CallInvitationDeclined')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ user_id: carol.sub, state: 'declined' }) }),
    ]);
    expect((await eventsOf(callId, 'ParticipantJoined')).map((event) => event.data.user_id)).toEqual([bob.sub]);
  });

  it('does not ring a member added during the call', async () => {
    const { callId, threadId } = await startedCall();
    const added = await call('threads.put-member', {
      as: alice,
      params: { thread_id: threadId, user_id: 'r-dave' },
      body: { role: 'member' },
    });
    expect(added.status).toBe(200);
    expect((await invitationsOf(callId)).map((entry: any) => entry.user_id)).not.toContain('r-dave');
    expect((await call('calls.incoming', { as: { sub: 'r-dave' } })).body.items).toEqual([]);
    expect((await call('calls.decline', { as: { sub: 'r-dave' }, params: { call_id: callId } })).body.error).toBe('not_ringing');
  });

  it('cancels the invitations still ringing when the call ends, each with CallInvitationCancelled', async () => {
    const { callId } = await startedCall();
    await call('calls.decline', { as: bob, params: { call_id: callId } });
    const ended = await call('calls.end', { as: alice, params: { call_id: callId } });
    expect(ended.status).toBe(200);
    expect(ended.body.invitations).toEqual([
      { user_id: bob.sub, state: 'declined', updated_at: expect.any(String) },
      { user_id: carol.sub, state: 'cancelled', updated_at: ended.body.ended_at },
    ]);
    expect((await eventsOf(callId, 'CallInvitationCancelled')).map((event) => event.data.user_id)).toEqual([carol.sub]);
    expect((await call('calls.incoming', { as: carol })).body.items.map((entry: any) => entry.call_id)).not.toContain(callId);
    expect((await call('calls.decline', { as: carol, params: { call_id: callId } })).body.error).toBe('not_ringing');
  });

  it('shows missed once the timeout passed, before the job; the job then stores it once, with CallInvitationMissed', async () => {
    const { callId, startedAt } = await startedCall();
    const expiry = Date.parse(startedAt) + 45_000;
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(expiry + 1_000);
    expect(await invitationsOf(callId)).toEqual([
      { user_id: bob.sub, state: 'missed', updated_at: new Date(expiry).toISOString() },
      { user_id: carol.sub, state: 'missed', updated_at: new Date(expiry).toISOString() },
    ]);
    expect((await call('calls.incoming', { as: bob })).body.items.map((entry: any) => entry.call_id)).not.toContain(callId);
    expect((await call('calls.decline', { as: bob, params: { call_id: callId } })).body.error).toBe('not_ringing');
    expect(await eventsOf(callId, 'CallInvitationMissed')).toEqual([]);

    const first = await settleExpiredRings({ now: new Date(expiry + 1_000) });
    expect(first.settled).toBeGreaterThanOrEqual(2);
    const second = await settleExpiredRings({ now: new Date(expiry + 1_000) });
    expect(second).toEqual({ due: 0, settled: 0 });
    expect((await eventsOf(callId, 'CallInvitationMissed')).map((event) => event.data.user_id).sort()).toEqual([bob.sub, carol.sub]);
    // A join after the timeout does not turn a missed invitation into an answered one.
    expect((await call('calls.join', { as: bob, params: { call_id: callId } })).status).toBe(200);
    expect((await invitationsOf(callId)).map((entry: any) => entry.state)).toEqual(['missed', 'missed']);
  });

  it('keeps the members rung off the call item, and still reads the list from a call item written before that', async () => {
    const { callId } = await startedCall([bob.sub, carol.sub, 'r-erin']);
    expect(await callStore.load(callId)).not.toHaveProperty('invited_user_ids');
    expect((await callStore.loadWithParticipants(callId)).invited).toEqual([bob.sub, carol.sub, 'r-erin']);
    // As stored before the INVITED item: the list on the call item, and erin's invitation not written.
    await dynamo().send(new DeleteItemCommand({ TableName: tableName(), Key: toAttributes(keys.callInvited(callId)) }));
    await dynamo().send(new DeleteItemCommand({ TableName: tableName(), Key: toAttributes(keys.callInvitation(callId, 'r-erin')) }));
    await dynamo().send(
      new UpdateItemCommand({
        TableName: tableName(),
        Key: toAttributes(keys.call(callId)),
        UpdateExpression: 'SET invited_user_ids = :invited',
        ExpressionAttributeValues: toValues({ ':invited': [bob.sub, carol.sub, 'r-erin'] }),
      }),
    );
    expect((await invitationsOf(callId)).map((entry: any) => [entry.user_id, entry.state])).toEqual([
      [bob.sub, 'ringing'],
      [carol.sub, 'ringing'],
      ['r-erin', 'ringing'],
    ]);
  });

  it('rings every member of a thread too large for one transaction (150 members)', async () => {
    const members = Array.from({ length: 150 }, (_, index) => `r-crowd-${String(index).padStart(3, '0')}`);
    const { callId } = await startedCall(members);
    const invitations = await invitationsOf(callId);
    expect(invitations).toHaveLength(150);
    expect(new Set(invitations.map((entry: any) => entry.state))).toEqual(new Set(['ringing']));
    const last = await call('calls.incoming', { as: { sub: members.at(-1) as string } });
    expect(last.body.items.map((entry: any) => entry.call_id)).toContain(callId);
    const [started] = await eventsOf(callId, 'CallStarted');
    expect(started?.data.invited_user_ids).toHaveLength(150);
  });
});

describe('settling many invitations', () => {
  it('ends a call of a 1,000-member thread with 999 invitations ringing: 200 in three round trips, each cancelled with its event', async () => {
    const members = Array.from({ length: 999 }, (_, index) => `r-big-${String(index).padStart(3, '0')}`);
    const thread = await call('threads.create', { as: alice, body: { member_ids: members.slice(0, 199) } });
    const threadId = thread.body.thread_id as string;
    const owner = { userId: alice.sub, roles: new Set<string>(), isAdmin: false };
    for (let index = 199; index < members.length; index += 50) {
      await Promise.all(members.slice(index, index + 50).map((userId) => putMember(owner, threadId, userId, 'member')));
    }
    const started = await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'video' } });
    expect(started.status).toBe(201);
    const callId = started.body.call_id as string;

    const trips = recordRoundTrips();
    const ended = await call('calls.end', { as: alice, params: { call_id: callId } });
    trips.restore();
    expect(ended.status).toBe(200);
    expect(trips.sequentialRoundTrips()).toBeLessThanOrEqual(3);
    // The end's own transaction, the initiator's session closed, and 999 invitations in 20 transactions of at most 50.
    expect(trips.calls.filter((entry) => entry.command === 'TransactWriteItemsCommand')).toHaveLength(1 + 1 + 20);
    expect(ended.body.invitations).toHaveLength(999);

    const { invitations } = await callStore.loadWithParticipants(callId);
    expect(invitations).toHaveLength(999);
    expect(new Set(invitations.map((invitation) => invitation.state))).toEqual(new Set(['cancelled']));
    const cancelled = await eventsOf(callId, 'CallInvitationCancelled');
    expect(cancelled).toHaveLength(999);
    expect(new Set(cancelled.map((event) => event.data.user_id))).toEqual(new Set(members));
    expect((await call('calls.incoming', { as: { sub: members[998] as string } })).body.items.map((entry: any) => entry.call_id)).not.toContain(
      callId,
    );
  }, 120_000);

  it('writes at the end the invitations a start died before writing (named in its list): cancelled, each with its event', async () => {
    const members = Array.from({ length: 120 }, (_, index) => `r-lost-${String(index).padStart(3, '0')}`);
    const { callId } = await startedCall(members);
    // As if the process died after the start's transaction: the last invitations never landed.
    const lost = members.slice(-3);
    for (const userId of lost) {
      await dynamo().send(new DeleteItemCommand({ TableName: tableName(), Key: toAttributes(keys.callInvitation(callId, userId)) }));
    }
    const ended = await call('calls.end', { as: alice, params: { call_id: callId } });
    expect(ended.status).toBe(200);
    const { invitations } = await callStore.loadWithParticipants(callId);
    expect(invitations).toHaveLength(120);
    expect(new Set(invitations.map((invitation) => invitation.state))).toEqual(new Set(['cancelled']));
    const cancelled = await eventsOf(callId, 'CallInvitationCancelled');
    expect(new Set(cancelled.map((event) => event.data.user_id))).toEqual(new Set(members));
    expect(cancelled).toHaveLength(120);
    // Written settled, so never in anyone's incoming calls.
    expect((await call('calls.incoming', { as: { sub: lost[0] as string } })).body.items).toEqual([]);
    // A second end writes nothing twice.
    expect((await call('calls.end', { as: alice, params: { call_id: callId } })).status).toBe(200);
    expect(await eventsOf(callId, 'CallInvitationCancelled')).toHaveLength(120);
  });

  it('leaves out of a batch an invitation settled meanwhile, and settles the rest with their events', async () => {
    const { callId } = await startedCall([bob.sub, carol.sub, 'r-dave']);
    const { invitations } = await callStore.loadWithParticipants(callId);
    expect((await call('calls.decline', { as: carol, params: { call_id: callId } })).status).toBe(200);
    const at = new Date().toISOString();
    // As read before the decline: carol's invitation fails its condition and the batch runs again without it.
    const settled = await settleInvitations(invitations.map((invitation) => ({ invitation, to: 'cancelled' as const, at })));
    expect(settled.map((settlement) => settlement.invitation.user_id).sort()).toEqual([bob.sub, 'r-dave']);
    expect((await invitationsOf(callId)).map((entry: any) => [entry.user_id, entry.state])).toEqual([
      [bob.sub, 'cancelled'],
      [carol.sub, 'declined'],
      ['r-dave', 'cancelled'],
    ]);
    expect((await eventsOf(callId, 'CallInvitationCancelled')).map((event) => event.data.user_id).sort()).toEqual([bob.sub, 'r-dave']);
  });
});

describe('invitations the start never wrote (named in its list)', () => {
  // A thread over 93 members to ring: the last invitations are written after the start's transaction.
  const members = (tag: string) => Array.from({ length: 120 }, (_, index) => `r-${tag}-${String(index).padStart(3, '0')}`);
  const lose = (callId: string, userId: string) =>
    dynamo().send(new DeleteItemCommand({ TableName: tableName(), Key: toAttributes(keys.callInvitation(callId, userId)) }));
  const storedState = async (callId: string, userId: string) =>
    (await callStore.loadWithParticipants(callId)).invitations.find((invitation) => invitation.user_id === userId)?.state;
  const stateInLog = async (callId: string, userId: string) =>
    (await invitationsOf(callId)).find((entry: any) => entry.user_id === userId)?.state;

  it('lets such a member decline: written declined with its event, once; the end leaves it declined', async () => {
    const crowd = members('undeclined');
    const { callId } = await startedCall(crowd);
    const lost = crowd.at(-1) as string;
    await lose(callId, lost);
    expect(await stateInLog(callId, lost)).toBe('ringing');
    const declined = await call('calls.decline', { as: { sub: lost }, params: { call_id: callId } });
    expect(declined).toMatchObject({ status: 200, body: { call_id: callId, user_id: lost, state: 'declined' } });
    expect(await storedState(callId, lost)).toBe('declined');
    expect(await stateInLog(callId, lost)).toBe('declined');
    expect((await call('calls.decline', { as: { sub: lost }, params: { call_id: callId } })).body.error).toBe('not_ringing');
    expect((await eventsOf(callId, 'CallInvitationDeclined')).map((event) => event.data.user_id)).toEqual([lost]);

    expect((await call('calls.end', { as: alice, params: { call_id: callId } })).status).toBe(200);
    expect(await storedState(callId, lost)).toBe('declined');
    const cancelled = (await eventsOf(callId, 'CallInvitationCancelled')).map((event) => event.data.user_id);
    expect(cancelled).toHaveLength(119);
    expect(cancelled).not.toContain(lost);
  });

  it('records the join of such a member as accepted, in the join; the end leaves it accepted, with no cancel', async () => {
    const crowd = members('unjoined');
    const { callId } = await startedCall(crowd);
    const lost = crowd.at(-1) as string;
    await lose(callId, lost);
    expect((await call('calls.join', { as: { sub: lost }, params: { call_id: callId } })).status).toBe(200);
    expect(await storedState(callId, lost)).toBe('accepted');
    expect(await stateInLog(callId, lost)).toBe('accepted');
    expect((await call('calls.decline', { as: { sub: lost }, params: { call_id: callId } })).body.error).toBe('not_ringing');
    // A member whose invitation is there still joins in two round trips: the list is read only when it is absent.
    const trips = recordRoundTrips();
    expect((await call('calls.join', { as: { sub: crowd[0] as string }, params: { call_id: callId } })).status).toBe(200);
    trips.restore();
    expect(trips.sequentialRoundTrips()).toBe(2);

    const ended = await call('calls.end', { as: alice, params: { call_id: callId } });
    expect(ended.status).toBe(200);
    expect(ended.body.invitations.find((entry: any) => entry.user_id === lost)?.state).toBe('accepted');
    expect(await storedState(callId, lost)).toBe('accepted');
    const cancelled = (await eventsOf(callId, 'CallInvitationCancelled')).map((event) => event.data.user_id);
    expect(cancelled).toHaveLength(118);
    expect(cancelled).not.toContain(lost);
  });

  it('joins in two round trips a member added during a call whose invitations were all in the start, and does not ring them', async () => {
    const { callId, threadId } = await startedCall();
    expect((await call('threads.put-member', { as: alice, params: { thread_id: threadId, user_id: 'r-late' }, body: { role: 'member' } })).status).toBe(
      200,
    );
    const trips = recordRoundTrips();
    expect((await call('calls.join', { as: { sub: 'r-late' }, params: { call_id: callId } })).status).toBe(200);
    trips.restore();
    expect(trips.sequentialRoundTrips()).toBe(2);
    expect(await storedState(callId, 'r-late')).toBeUndefined();
    expect((await invitationsOf(callId)).map((entry: any) => entry.user_id)).not.toContain('r-late');
  });

  it('writes at the end accepted, with no cancel, for such a member who is in the call (their join recorded no answer)', async () => {
    const crowd = members('unanswered');
    const { callId } = await startedCall(crowd);
    const lost = crowd.at(-1) as string;
    // As a join before the fix left it: a session, and no invitation item.
    await lose(callId, lost);
    await dynamo().send(
      new UpdateItemCommand({
        TableName: tableName(),
        Key: toAttributes(keys.callParticipant(callId, lost)),
        UpdateExpression: 'SET user_id = :user, open_joined_at = :at, #type = :type',
        ExpressionAttributeNames: { '#type': 'type' },
        ExpressionAttributeValues: toValues({ ':user': lost, ':at': new Date().toISOString(), ':type': 'participant' }),
      }),
    );
    expect(await stateInLog(callId, lost)).toBe('accepted');
    const ended = await call('calls.end', { as: alice, params: { call_id: callId } });
    expect(ended.status).toBe(200);
    expect(ended.body.invitations.find((entry: any) => entry.user_id === lost)?.state).toBe('accepted');
    expect(await storedState(callId, lost)).toBe('accepted');
    const cancelled = (await eventsOf(callId, 'CallInvitationCancelled')).map((event) => event.data.user_id);
    expect(cancelled).toHaveLength(119);
    expect(cancelled).not.toContain(lost);
    // A second end writes nothing twice.
    expect((await call('calls.end', { as: alice, params: { call_id: callId } })).status).toBe(200);
    expect(await eventsOf(callId, 'CallInvitationCancelled')).toHaveLength(119);
  });

  it('tries again a batch of later invitations that failed, and writes each once', async () => {
    const crowd = members('retried');
    const client = dynamo();
    let failures = 0;
    const name = 'failFirstInvitationBatch';
    client.middlewareStack.add(
      (next) => async (args) => {
        const items = (args.input as { TransactItems?: { Put?: { Item?: Record<string, { S?: string }> } }[] }).TransactItems;
        const onlyInvitations = items?.every((item) => item.Put?.Item?.sk?.S?.startsWith(INVITATION_PREFIX));
        if (onlyInvitations && failures === 0) {
          failures++;
          throw new TransactionCanceledException({
            message: 'Transaction cancelled',
            $metadata: {},
            CancellationReasons: items?.map(() => ({ Code: 'TransactionConflict' })),
          });
        }
        return next(args);
      },
      { step: 'initialize', name },
    );
    let callId: string;
    try {
      ({ callId } = await startedCall(crowd));
    } finally {
      client.middlewareStack.remove(name);
    }
    expect(failures).toBe(1);
    const { invitations } = await callStore.loadWithParticipants(callId);
    expect(invitations).toHaveLength(120);
    expect(new Set(invitations.map((invitation) => invitation.state))).toEqual(new Set(['ringing']));
    expect(await eventsOf(callId, 'CallStarted')).toHaveLength(1);
  });
});

describe('the outbox', () => {
  it('writes an event for every change of a call, each with a unique id and the ids it concerns', async () => {
    const { callId, threadId } = await startedCall();
    await call('calls.join', { as: bob, params: { call_id: callId } });
    await call('calls.leave', { as: bob, params: { call_id: callId } });
    await call('calls.join', { as: bob, params: { call_id: callId } });
    await call('calls.recording', { as: alice, params: { call_id: callId }, body: { action: 'start', consent_confirmed: true } });
    await call('calls.recording', { as: alice, params: { call_id: callId }, body: { action: 'stop' } });
    const ended = await call('calls.end', { as: alice, params: { call_id: callId } });

    const all = await eventsOf(callId);
    expect(all.map((event) => event.type)).toEqual(
      expect.arrayContaining([
        'CallStarted',
        'ParticipantJoined',
        'ParticipantLeft',
        'RecordingStarted',
        'RecordingStopped',
        'CallInvitationCancelled',
        'CallEnded',
      ]),
    );
    for (const event of all) {
      expect(EVENT_TYPES).toContain(event.type);
      expect(event.data).toMatchObject({ call_id: callId, thread_id: threadId });
      expect(Number.isNaN(Date.parse(event.occurred_at))).toBe(false);
    }
    expect(new Set(all.map((event) => event.id)).size).toBe(all.length);
    const left = all.filter((event) => event.type === 'ParticipantLeft');
    expect(left.map((event) => [event.data.user_id, event.data.left_reason])).toEqual([
      [bob.sub, 'left'],
      expect.arrayContaining([expect.any(String), 'call_ended']),
      expect.arrayContaining([expect.any(String), 'call_ended']),
    ]);
    const [endedEvent] = all.filter((event) => event.type === 'CallEnded');
    expect(endedEvent?.data).toMatchObject({ end_reason: 'ended', ended_by: alice.sub, duration_seconds: ended.body.duration_seconds });
  });

  it('writes LiveClassStarted, ParticipantJoined, ParticipantLeft and LiveClassEnded for a live class', async () => {
    const admin: TestUser = { sub: 'r-admin', roles: ['admin'] };
    const teacher: TestUser = { sub: 'r-teacher', roles: ['instructor'] };
    const courseId = `r-course-${Date.now()}`;
    expect((await call('courses.put-instructor', { as: admin, params: { course_id: courseId, user_id: teacher.sub } })).status).toBe(204);
    expect((await call('courses.put-enrollment', { as: teacher, params: { course_id: courseId, user_id: 'r-student' } })).status).toBe(204);
    const created = await call('live-classes.create', { as: teacher, params: { course_id: courseId }, body: { title: 'Events' } });
    const params = { live_class_id: created.body.live_class_id as string };
    expect((await call('live-classes.start', { as: teacher, params })).status).toBe(200);
    expect((await call('live-classes.join', { as: { sub: 'r-student', roles: ['student'] }, params })).status).toBe(200);
    const ended = await call('live-classes.end', { as: teacher, params });
    expect(ended.status).toBe(200);

    const ofClass = (await events()).filter((event) => event.data.live_class_id === params.live_class_id);
    expect(ofClass.every((event) => event.data.course_id === courseId)).toBe(true);
    expect(ofClass.filter((event) => event.type === 'LiveClassStarted')).toHaveLength(1);
    expect(
      ofClass
        .filter((event) => event.type === 'ParticipantJoined')
        .map((event) => event.data.user_id)
        .sort(),
    ).toEqual(['r-student', teacher.sub]);
    expect(ofClass.filter((event) => event.type === 'ParticipantLeft').map((event) => event.data.left_reason)).toEqual([
      'call_ended',
      'call_ended',
    ]);
    const [classEnded] = ofClass.filter((event) => event.type === 'LiveClassEnded');
    expect(classEnded?.data).toMatchObject({ ended_by: teacher.sub, duration_seconds: ended.body.duration_seconds });
  });

  it('writes nothing when the change is refused', async () => {
    const { callId } = await startedCall();
    const before = (await eventsOf(callId)).length;
    expect((await call('calls.join', { as: mallory, params: { call_id: callId } })).status).toBe(403);
    expect((await call('calls.end', { as: bob, params: { call_id: callId } })).status).toBe(403);
    expect((await eventsOf(callId)).length).toBe(before);
  });

  it('hands every event over once: a second relay pass finds nothing left', async () => {
    await startedCall();
    expect(await relayOutboxOnce([(event) => void delivered.push(event)])).toBeGreaterThan(0);
    expect(await relayOutboxOnce([(event) => void delivered.push(event)])).toBe(0);
  });
});
