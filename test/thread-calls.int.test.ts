import { readFileSync, existsSync } from 'node:fs';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, SignJWT, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamo, tableName, toAttributes } from '../shared/db/client';
import { keys } from '../shared/db/keys';
import { SESSIONS_PER_ITEM as MAX_SESSIONS_PER_PARTICIPANT } from '../shared/db/participants';
import { AppError } from '../shared/errors';
import { getSecretsProvider, setSecretsProviderForTests } from '../shared/secrets/provider';
import { authorizerSettings, call, issuerKeyFile, setupApi, type TestUser } from './support/api';
import { recordRoundTrips } from './support/round-trips';
import { appendToEventsFile, relayOutboxOnce } from '../shared/events/local-relay';

const alice: TestUser = { sub: 'alice', name: 'Alice', email: 'alice@example.com', roles: ['student'] };
const bob: TestUser = { sub: 'bob', name: 'Bob' };
const carol: TestUser = { sub: 'carol' };
const mallory: TestUser = { sub: 'mallory' };
const admin: TestUser = { sub: 'root', roles: ['admin'] };

async function newThread(owner: TestUser = alice, members: string[] = ['bob', 'carol']) {
  const response = await call('threads.create', { as: owner, body: { title: 'Sprint', member_ids: members } });
  expect(response.status).toBe(201);
  return response.body.thread_id as string;
}

/** What the local relay delivered to the events file, after a relay pass over this file's outbox. */
async function events(): Promise<any[]> {
  await relayOutboxOnce([appendToEventsFile]);
  const file = process.env.EVENTS_FILE as string;
  return existsSync(file)
    ? readFileSync(file, 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line))
    : [];
}

beforeAll(async () => {
  await setupApi();
});

describe('threads', () => {
  it('creates a thread with the caller as owner and lists its members', async () => {
    const threadId = await newThread();
    const response = await call('threads.get', { as: bob, params: { thread_id: threadId } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ thread_id: threadId, title: 'Sprint', created_by: 'alice' });
    expect(response.body.members).toEqual([
      { user_id: 'alice', role: 'owner' },
      { user_id: 'bob', role: 'member' },
      { user_id: 'carol', role: 'member' },
    ]);
  });

  it('answers 403 not_a_thread_member to outsiders and 200 to admins', async () => {
    const threadId = await newThread();
    expect((await call('threads.get', { as: mallory, params: { thread_id: threadId } })).body.error).toBe('not_a_thread_member');
    expect((await call('threads.get', { as: admin, params: { thread_id: threadId } })).status).toBe(200);
  });

  it('answers 404 not_found for an unknown thread', async () => {
    const response = await call('threads.get', { as: alice, params: { thread_id: 'nope' } });
    expect(response.status).toBe(404);
    expect(response.body.error).toBe('not_found');
  });

  it('lets owners and moderators manage members, not plain members', async () => {
    const threadId = await newThread();
    const promote = await call('threads.put-member', {
      as: alice,
      params: { thread_id: threadId, user_id: 'bob' },
      body: { role: 'moderator' },
    });
    expect(promote).toMatchObject({ status: 200, body: { user_id: 'bob', role: 'moderator' } });
    const add = await call('threads.put-member', { as: bob, params: { thread_id: threadId, user_id: 'dave' }, body: { role: 'member' } });
    expect(add.status).toBe(200);
    const denied = await call('threads.put-member', {
      as: carol,
      params: { thread_id: threadId, user_id: 'erin' },
      body: { role: 'member' },
    });
    expect(denied).toMatchObject({ status: 403, body: { error: 'forbidden' } });
    const demoteOwner = await call('threads.put-member', {
      as: bob,
      params: { thread_id: threadId, user_id: 'alice' },
      body: { role: 'member' },
    });
    expect(demoteOwner.status).toBe(403);
    const members = (await call('threads.get', { as: alice, params: { thread_id: threadId } })).body.members;
    expect(members).toContainEqual({ user_id: 'dave', role: 'member' });
    expect(members).not.toContainEqual(expect.objectContaining({ user_id: 'erin' }));
  });

  it('lets a member leave the thread and moderators remove others, answering 204', async () => {
    const threadId = await newThread();
    expect((await call('threads.delete-member', { as: carol, params: { thread_id: threadId, user_id: 'carol' } })).status).toBe(204);
    expect((await call('threads.delete-member', { as: bob, params: { thread_id: threadId, user_id: 'alice' } })).status).toBe(403);
    expect((await call('threads.delete-member', { as: alice, params: { thread_id: threadId, user_id: 'bob' } })).status).toBe(204);
    const members = (await call('threads.get', { as: alice, params: { thread_id: threadId } })).body.members;
    expect(members).toEqual([{ user_id: 'alice', role: 'owner' }]);
  });
});

describe('request validation and auth', () => {
  it('rejects unknown fields with 400 validation_error and details', async () => {
    const response = await call('threads.create', { as: alice, body: { member_ids: ['bob'], color: 'red' } });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('validation_error');
    expect(JSON.stringify(response.body.details)).toContain('color');
  });

  it('rejects malformed JSON with 400 and an over-16-KiB body with 413', async () => {
    expect((await call('threads.create', { as: alice, rawBody: '{"member_ids": [' })).body.error).toBe('validation_error');
    const big = await call('threads.create', { as: alice, rawBody: JSON.stringify({ member_ids: ['x'.repeat(17 * 1024)] }) });
    expect(big).toMatchObject({ status: 413, body: { error: 'payload_too_large' } });
  });

  it('rejects a bad path id with 400, not 500', async () => {
    const response = await call('calls.join', { as: alice, params: { call_id: 'a#b' } });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('validation_error');
  });

  it('answers 401 unauthorized without a token, with alg none, and with a garbage token', async () => {
    expect((await call('threads.create', { as: null, body: { member_ids: ['bob'] } })).status).toBe(401);
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'alice', iss: authorizerSettings().issuer, aud: authorizerSettings().audience, exp: 9999999999 }),
    ).toString('base64url');
    const unsigned = await call('threads.create', { as: `Bearer ${header}.${payload}.`, body: { member_ids: ['bob'] } });
    expect(unsigned).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect((await call('threads.create', { as: 'Bearer a.b.c', body: { member_ids: ['bob'] } })).status).toBe(401);
  });

  it('answers 401 to a token with the wrong issuer, the wrong audience, or past its expiry', async () => {
    const jwk = JSON.parse(readFileSync(issuerKeyFile(), 'utf8')) as JWK;
    const key = await importJWK(jwk, 'ES256');
    const now = Math.floor(Date.now() / 1000);
    const sign = (claims: { iss: string; aud: string; exp: number }) =>
      new SignJWT({ roles: [] })
        .setProtectedHeader({ alg: 'ES256', kid: jwk.kid as string, typ: 'JWT' })
        .setSubject('alice')
        .setIssuer(claims.iss)
        .setAudience(claims.aud)
        .setIssuedAt(now - 120)
        .setExpirationTime(claims.exp)
        .sign(key);
    const good = { iss: authorizerSettings().issuer, aud: authorizerSettings().audience, exp: now + 600 };
    const body = { member_ids: ['bob'] };
    expect((await call('threads.create', { as: `Bearer ${await sign(good)}`, body })).status).toBe(201);
    for (const claims of [
      { ...good, iss: 'https://someone-else.example' },
      { ...good, aud: 'another-api' },
      { ...good, exp: now - 1 },
    ]) {
      const response = await call('threads.create', { as: `Bearer ${await sign(claims)}`, body });
      expect(response).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    }
  });

  it('sets security headers and never leaks internals in error bodies', async () => {
    const response = await call('threads.get', { as: alice, params: { thread_id: 'nope' } });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.raw).not.toMatch(/at \w+ \(|stack/i);
  });
});

describe('thread calls', () => {
  it('starts a call: 201 join info with a Jitsi token that Prosody accepts', async () => {
    const threadId = await newThread();
    const started = await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'video' } });
    expect(started.status).toBe(201);
    const body = started.body;
    expect(body).toMatchObject({
      thread_id: threadId,
      call_type: 'video',
      status: 'active',
      initiator_id: 'alice',
      is_moderator: true,
      jitsi: { domain: 'jitsi.test.example', url: 'https://jitsi.test.example' },
      feature_flags: { 'lobby-mode.enabled': false, 'prejoinpage.enabled': true, 'recording.enabled': true },
    });
    expect(body.room).toMatch(/^[a-z0-9-]+$/);

    const token = body.jitsi.token as string;
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'HS256', typ: 'JWT' });
    const { payload } = await jwtVerify(token, new TextEncoder().encode(process.env.JITSI_JWT_SECRET), { clockTolerance: 0 });
    expect(payload).toMatchObject({ aud: 'jitsi', iss: 'calls-test', sub: 'jitsi.test.example', room: body.room });
    expect(payload.nbf).toBe((payload.iat as number) - 30);
    expect((payload.exp as number) - (payload.iat as number)).toBe(60);
    expect(new Date(body.jitsi.token_expires_at).getTime()).toBe((payload.exp as number) * 1000);
    expect(payload.context).toEqual({
      user: { id: 'alice', name: 'Alice', email: 'alice@example.com', moderator: true, affiliation: 'owner', lobby_bypass: true },
      features: { recording: true, livestreaming: false, transcription: false, 'outbound-call': false },
    });

    const [stun, turn] = body.ice_servers;
    expect(stun).toEqual({ urls: ['stun:turn.test.example:3478'] });
    expect(turn.urls).toEqual([
      'turn:turn.test.example:3478?transport=udp',
      'turn:turn.test.example:3478?transport=tcp',
      'turns:turn.test.example:5349?transport=tcp',
    ]);
    expect(turn.username).toMatch(/^\d+:alice$/);
  });

  it('publishes CallStarted with the members to ring', async () => {
    const threadId = await newThread();
    const started = await call('calls.start', { as: bob, body: { thread_id: threadId, call_type: 'audio' } });
    const event = (await events()).find((candidate) => candidate.detail.data.call_id === started.body.call_id);
    expect(event).toMatchObject({
      'detail-type': 'CallStarted',
      detail: {
        type: 'CallStarted',
        data: { thread_id: threadId, call_type: 'audio', initiator_id: 'bob', invited_user_ids: ['alice', 'carol'] },
      },
    });
  });

  it('answers 409 call_in_progress with the running call_id to a second starter', async () => {
    const threadId = await newThread();
    const first = await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'video' } });
    const second = await call('calls.start', { as: bob, body: { thread_id: threadId, call_type: 'audio' } });
    expect(second).toMatchObject({ status: 409, body: { error: 'call_in_progress', call_id: first.body.call_id } });
  });

  it('keeps one active call when 20 members start at once', async () => {
    const members = Array.from({ length: 20 }, (_, index) => `user${index}`);
    const threadId = await newThread(alice, members);
    const responses = await Promise.all(
      members.map((sub) => call('calls.start', { as: { sub }, body: { thread_id: threadId, call_type: 'video' } })),
    );
    const winners = responses.filter((response) => response.status === 201);
    expect(winners).toHaveLength(1);
    const losers = responses.filter((response) => response.status !== 201);
    expect(losers.map((response) => response.status)).toEqual(Array(19).fill(409));
    for (const loser of losers) expect(loser.body.call_id).toBe(winners[0]?.body.call_id);
  });

  it('refuses to start for outsiders (403) and unknown threads (404)', async () => {
    const threadId = await newThread();
    expect((await call('calls.start', { as: mallory, body: { thread_id: threadId, call_type: 'video' } })).body.error).toBe(
      'not_a_thread_member',
    );
    expect((await call('calls.start', { as: alice, body: { thread_id: 'missing', call_type: 'video' } })).status).toBe(404);
    expect((await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'screen' } })).status).toBe(400);
  });

  it('runs the runbook flow: start, join, token, leave, end, log with durations', async () => {
    const threadId = await newThread();
    const started = await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'video' } });
    const callId = started.body.call_id as string;

    const joined = await call('calls.join', { as: bob, params: { call_id: callId } });
    expect(joined.status).toBe(200);
    expect(joined.body).toMatchObject({ call_id: callId, room: started.body.room, is_moderator: false });
    expect(joined.body.feature_flags['recording.enabled']).toBe(false);
    const bobClaims = decodeJwt(joined.body.jitsi.token);
    expect(bobClaims.context).toMatchObject({ user: { id: 'bob', moderator: false, affiliation: 'member' } });
    expect((bobClaims.context as any).user.lobby_bypass).toBeUndefined();
    expect((bobClaims.context as any).user.email).toBeUndefined();

    expect((await call('calls.join', { as: mallory, params: { call_id: callId } })).body.error).toBe('not_a_thread_member');

    const refreshed = await call('calls.token', { as: bob, params: { call_id: callId } });
    expect(refreshed.status).toBe(200);
    expect(decodeJwt(refreshed.body.token).room).toBe(started.body.room);

    const left = await call('calls.leave', { as: bob, params: { call_id: callId } });
    expect(left).toMatchObject({ status: 200, body: { call_id: callId, user_id: 'bob' } });
    expect(left.body.duration_seconds).toBeGreaterThanOrEqual(0);
    expect((await call('calls.leave', { as: bob, params: { call_id: callId } })).body.error).toBe('not_in_call');
    expect((await call('calls.leave', { as: carol, params: { call_id: callId } })).body.error).toBe('not_in_call');

    await call('calls.join', { as: bob, params: { call_id: callId } });

    const endByMember = await call('calls.end', { as: carol, params: { call_id: callId } });
    expect(endByMember).toMatchObject({ status: 403, body: { error: 'forbidden' } });

    const ended = await call('calls.end', { as: alice, params: { call_id: callId } });
    expect(ended.status).toBe(200);
    expect(ended.body).toMatchObject({ call_id: callId, status: 'ended', consent_recorded: false });
    expect(ended.body.duration_seconds).toBeGreaterThanOrEqual(0);
    // Alice's session and Bob's second session were open: the end closed them at ended_at.
    const sessions = ended.body.participants as any[];
    expect(sessions.filter((session) => session.user_id === 'bob')).toHaveLength(2);
    for (const session of sessions) expect(session.left_at).not.toBeNull();
    expect(sessions.filter((session) => session.left_at === ended.body.ended_at)).toHaveLength(2);

    const again = await call('calls.end', { as: alice, params: { call_id: callId } });
    expect(again).toMatchObject({ status: 200, body: { ended_at: ended.body.ended_at } });
    expect((await call('calls.join', { as: bob, params: { call_id: callId } })).body.error).toBe('call_ended');
    expect((await call('calls.token', { as: bob, params: { call_id: callId } })).body.error).toBe('call_ended');

    const log = await call('calls.log', { as: carol, params: { call_id: callId } });
    const { jitsi_meeting_ended: jitsiMeetingEnded, ...endedLog } = ended.body;
    expect(jitsiMeetingEnded).toBeNull();
    expect(log.body).toEqual(endedLog);
    expect(log.body).toMatchObject({ end_reason: 'ended', ended_by: 'alice' });
    expect((await call('calls.log', { as: mallory, params: { call_id: callId } })).status).toBe(403);
    expect((await call('calls.log', { as: admin, params: { call_id: callId } })).status).toBe(200);

    const endedEvent = (await events()).find((event) => event['detail-type'] === 'CallEnded' && event.detail.data.call_id === callId);
    expect(endedEvent.detail.data).toMatchObject({
      thread_id: threadId,
      ended_by: 'alice',
      end_reason: 'ended',
      duration_seconds: ended.body.duration_seconds,
    });
    expect((await events()).filter((event) => event['detail-type'] === 'CallEnded' && event.detail.data.call_id === callId)).toHaveLength(
      1,
    );

    // The thread is free again.
    expect((await call('calls.start', { as: bob, body: { thread_id: threadId, call_type: 'audio' } })).status).toBe(201);
  });

  it('lets a thread moderator and an admin end a call', async () => {
    const threadId = await newThread();
    await call('threads.put-member', { as: alice, params: { thread_id: threadId, user_id: 'carol' }, body: { role: 'moderator' } });
    const first = await call('calls.start', { as: bob, body: { thread_id: threadId, call_type: 'video' } });
    expect((await call('calls.end', { as: carol, params: { call_id: first.body.call_id } })).status).toBe(200);
    const second = await call('calls.start', { as: bob, body: { thread_id: threadId, call_type: 'video' } });
    expect((await call('calls.end', { as: admin, params: { call_id: second.body.call_id } })).status).toBe(200);
  });

  it('never loses a leave when one user leaves from two devices at once', async () => {
    const threadId = await newThread();
    const started = await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'video' } });
    const callId = started.body.call_id as string;
    await call('calls.join', { as: bob, params: { call_id: callId } });
    const leaves = await Promise.all([1, 2, 3].map(() => call('calls.leave', { as: bob, params: { call_id: callId } })));
    expect(leaves.filter((response) => response.status === 200)).toHaveLength(1);
    expect(leaves.filter((response) => response.status === 409)).toHaveLength(2);
    const log = await call('calls.log', { as: alice, params: { call_id: callId } });
    const bobSessions = log.body.participants.filter((session: any) => session.user_id === 'bob');
    expect(bobSessions).toHaveLength(1);
    expect(bobSessions[0].left_at).not.toBeNull();
  });

  it('lists a thread calls newest first with a cursor', async () => {
    const threadId = await newThread();
    const ids: string[] = [];
    for (let index = 0; index < 3; index++) {
      const started = await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'audio' } });
      ids.push(started.body.call_id);
      await call('calls.end', { as: alice, params: { call_id: started.body.call_id } });
    }
    const first = await call('threads.list-calls', { as: bob, params: { thread_id: threadId }, query: 'limit=2' });
    expect(first.status).toBe(200);
    expect(first.body.items.map((item: any) => item.call_id)).toEqual([ids[2], ids[1]]);
    expect(first.body.next_cursor).toEqual(expect.any(String));
    const second = await call('threads.list-calls', {
      as: bob,
      params: { thread_id: threadId },
      query: `limit=2&cursor=${first.body.next_cursor}`,
    });
    expect(second.body.items.map((item: any) => item.call_id)).toEqual([ids[0]]);
    expect(second.body.next_cursor).toBeNull();
    expect(second.body.items[0].participants[0]).toMatchObject({ user_id: 'alice' });

    expect((await call('threads.list-calls', { as: bob, params: { thread_id: threadId }, query: 'cursor=!!' })).status).toBe(400);
    expect((await call('threads.list-calls', { as: bob, params: { thread_id: threadId }, query: 'cursor=bm9wZQ' })).status).toBe(400);
    expect((await call('threads.list-calls', { as: bob, params: { thread_id: threadId }, query: 'limit=0' })).status).toBe(400);
    expect((await call('threads.list-calls', { as: mallory, params: { thread_id: threadId } })).status).toBe(403);
  });

  it('starts and joins in at most two sequential DynamoDB round trips each', async () => {
    const threadId = await newThread();
    const startTrips = recordRoundTrips();
    const started = await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'video' } });
    startTrips.restore();
    expect(started.status).toBe(201);
    // Start reads the thread with its member items in one Query (membership, members to ring).
    expect(startTrips.calls.map((entry) => entry.command)).toEqual(['QueryCommand', 'TransactWriteItemsCommand']);
    expect(startTrips.sequentialRoundTrips()).toBe(2);

    const joinTrips = recordRoundTrips();
    expect((await call('calls.join', { as: bob, params: { call_id: started.body.call_id } })).status).toBe(200);
    joinTrips.restore();
    expect(joinTrips.calls.map((entry) => entry.command)).toEqual(['BatchGetItemCommand', 'TransactWriteItemsCommand', 'GetItemCommand']);
    expect(joinTrips.sequentialRoundTrips()).toBe(2);
  });

  it('never answers 500 when one user joins from 25 tabs at once: each join succeeds, gets 503 to retry, or 429 past the join rate', async () => {
    const threadId = await newThread();
    const started = await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'video' } });
    const joins = await Promise.all(
      Array.from({ length: 25 }, () => call('calls.join', { as: bob, params: { call_id: started.body.call_id } })),
    );
    // 25 joins exceed the per-participant join rate (20 a minute): the excess is refused with a true Retry-After.
    for (const join of joins) expect([200, 429, 503]).toContain(join.status);
    for (const join of joins.filter((join) => join.status === 429)) expect(Number(join.headers['retry-after'])).toBeGreaterThan(0);
    expect(joins.some((join) => join.status === 200)).toBe(true);
    const log = await call('calls.log', { as: alice, params: { call_id: started.body.call_id } });
    // However the race went, Bob has at most one open session.
    expect(log.body.participants.filter((session: any) => session.user_id === 'bob' && session.left_at === null)).toHaveLength(1);
  });

  it('treats an initiator who left the thread as an outsider: no end, no token', async () => {
    const threadId = await newThread();
    const started = await call('calls.start', { as: bob, body: { thread_id: threadId, call_type: 'video' } });
    expect((await call('threads.delete-member', { as: alice, params: { thread_id: threadId, user_id: 'bob' } })).status).toBe(204);
    expect(await call('calls.end', { as: bob, params: { call_id: started.body.call_id } })).toMatchObject({
      status: 403,
      body: { error: 'not_a_thread_member' },
    });
    expect((await call('calls.token', { as: bob, params: { call_id: started.body.call_id } })).status).toBe(403);
    expect((await call('calls.end', { as: alice, params: { call_id: started.body.call_id } })).status).toBe(200);
  });

  it('tells an outsider only that they are outside, not whether the call ended', async () => {
    const threadId = await newThread();
    const started = await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'audio' } });
    await call('calls.end', { as: alice, params: { call_id: started.body.call_id } });
    for (const operation of ['calls.join', 'calls.token']) {
      expect((await call(operation, { as: mallory, params: { call_id: started.body.call_id } })).body.error).toBe('not_a_thread_member');
      expect((await call(operation, { as: bob, params: { call_id: started.body.call_id } })).body.error).toBe('call_ended');
    }
  });

  it('answers 429 rate_limited to a client that rejoined hundreds of times, before the item can outgrow DynamoDB', async () => {
    const threadId = await newThread();
    const started = await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'video' } });
    const sessions = Array.from({ length: MAX_SESSIONS_PER_PARTICIPANT }, () => ({
      joined_at: started.body.started_at,
      left_at: started.body.started_at,
    }));
    await dynamo().send(
      new PutItemCommand({
        TableName: tableName(),
        Item: toAttributes({ ...keys.callParticipant(started.body.call_id, 'bob'), user_id: 'bob', sessions }),
      }),
    );
    const join = await call('calls.join', { as: bob, params: { call_id: started.body.call_id } });
    expect(join).toMatchObject({ status: 429, body: { error: 'rate_limited' } });
    expect(join.headers['retry-after']).toBeDefined();
  });

  it('answers a 500 with a generic message, keeping configuration details in the log', async () => {
    const threadId = await newThread();
    const started = await call('calls.start', { as: alice, body: { thread_id: threadId, call_type: 'video' } });
    const real = getSecretsProvider();
    setSecretsProviderForTests({
      jitsiSigningKey: async () => {
        throw new AppError('internal_error', 'The Jitsi secret in Secrets Manager is malformed (secret: too_small)');
      },
      turnAuth: () => real.turnAuth(),
      jitsiSystemKey: () => real.jitsiSystemKey(),
      jitsiEventsSecret: () => real.jitsiEventsSecret(),
      jaasWebhookSecret: () => real.jaasWebhookSecret(),
    });
    try {
      const response = await call('calls.token', { as: alice, params: { call_id: started.body.call_id } });
      expect(response).toMatchObject({ status: 500, body: { error: 'internal_error', message: 'Something went wrong on our side.' } });
      expect(response.raw).not.toContain('Secrets Manager');
    } finally {
      setSecretsProviderForTests(real);
    }
  });

  it('answers 404 for an unknown call on every call route', async () => {
    for (const operation of ['calls.join', 'calls.token', 'calls.leave', 'calls.end', 'calls.log']) {
      const response = await call(operation, { as: alice, params: { call_id: 'missing' } });
      expect(response.status, operation).toBe(404);
    }
  });
});

describe('config route', () => {
  it('answers without auth', async () => {
    const response = await call('calls.config', {});
    expect(response).toMatchObject({
      status: 200,
      body: { calls_enabled: true, jitsi_domain: 'jitsi.test.example', jitsi_url: 'https://jitsi.test.example' },
    });
  });
});
