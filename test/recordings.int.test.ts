import { PutItemCommand, QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LOCAL_KEY_FILE, localRecordingCipher } from '../shared/crypto/local-cipher';
import { setRecordingCipherForTests, type RecordingCipher } from '../shared/crypto/recording-cipher';
import { dynamo, fromAttributes, tableName, toAttributes, toValues } from '../shared/db/client';
import { keys } from '../shared/db/keys';
import { dependencyUnavailable } from '../shared/errors';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { logger } from '../shared/observability/logger';
import { MetricName } from '../shared/observability/metric-names';
import { call, setupApi, type TestUser } from './support/api';

// Roles in every thread made by newThread(): alice owner, bob moderator, carol and dave members.
const alice: TestUser = { sub: 'alice' };
const bob: TestUser = { sub: 'bob' };
const carol: TestUser = { sub: 'carol' };
const dave: TestUser = { sub: 'dave' };
const mallory: TestUser = { sub: 'mallory' };
const admin: TestUser = { sub: 'root', roles: ['admin'] };

const STORAGE_URI = 's3://acme-recordings-secret-bucket/2026/11/board-meeting-q4.mp4';
const TRANSCRIPT_URI = 'https://transcripts.internal.example/board-meeting-q4.vtt?sig=abc123';

const recordingBody = (overrides: Record<string, unknown> = {}) => ({
  storage_uri: STORAGE_URI,
  transcript_uri: TRANSCRIPT_URI,
  started_at: '2026-11-21T09:00:00.000Z',
  ended_at: '2026-11-21T09:45:00.000Z',
  size_bytes: 734_003_200,
  ...overrides,
});

async function newThread(): Promise<string> {
  const created = await call('threads.create', { as: alice, body: { member_ids: ['bob', 'carol', 'dave'] } });
  expect(created.status).toBe(201);
  const threadId = created.body.thread_id as string;
  const promoted = await call('threads.put-member', {
    as: alice,
    params: { thread_id: threadId, user_id: 'bob' },
    body: { role: 'moderator' },
  });
  expect(promoted.status).toBe(200);
  return threadId;
}

/** A call started by dave, a plain member: he is allowed as its initiator only. */
async function newCall(threadId?: string): Promise<{ threadId: string; callId: string }> {
  const thread = threadId ?? (await newThread());
  const started = await call('calls.start', { as: dave, body: { thread_id: thread, call_type: 'video' } });
  expect(started.status).toBe(201);
  return { threadId: thread, callId: started.body.call_id as string };
}

async function consentedCall(threadId?: string) {
  const created = await newCall(threadId);
  const consent = await call('calls.recording', {
    as: dave,
    params: { call_id: created.callId },
    body: { action: 'start', consent_confirmed: true },
  });
  expect(consent.status).toBe(200);
  return created;
}

async function createRecording(callId: string, overrides: Record<string, unknown> = {}) {
  const response = await call('calls.recordings-create', { as: dave, params: { call_id: callId }, body: recordingBody(overrides) });
  expect(response.status).toBe(201);
  return response.body as Record<string, any>;
}

/** Every item of a call's partition, straight from DynamoDB, as stored. */
async function rawPartition(callId: string): Promise<Record<string, any>[]> {
  const page = await dynamo().send(
    new QueryCommand({
      TableName: tableName(),
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: toValues({ ':pk': keys.callPartition(callId) }),
      ConsistentRead: true,
    }),
  );
  return (page.Items ?? []).map((item) => fromAttributes(item));
}

const rawOfType = async (callId: string, type: string) => (await rawPartition(callId)).filter((item) => item.type === type);

const failingCipher: RecordingCipher = {
  encrypt: () => Promise.reject(dependencyUnavailable('KMS')),
  decrypt: () => Promise.reject(dependencyUnavailable('KMS')),
};

beforeAll(async () => {
  await setupApi();
});

afterEach(() => {
  setRecordingCipherForTests(undefined);
  vi.restoreAllMocks();
});

describe('recording consent', () => {
  it('answers 409 consent_required to a start without consent_confirmed, and records nothing', async () => {
    const { callId } = await newCall();
    const response = await call('calls.recording', { as: dave, params: { call_id: callId }, body: { action: 'start' } });
    expect(response).toMatchObject({ status: 409, body: { error: 'consent_required' } });
    expect((await call('calls.log', { as: carol, params: { call_id: callId } })).body.consent_recorded).toBe(false);
    expect(await rawOfType(callId, 'recording_action')).toEqual([]);
  });

  it('answers 409 consent_required to consent_confirmed false, and 400 to a non-boolean', async () => {
    const { callId } = await newCall();
    const unchecked = await call('calls.recording', {
      as: dave,
      params: { call_id: callId },
      body: { action: 'start', consent_confirmed: false },
    });
    expect(unchecked).toMatchObject({ status: 409, body: { error: 'consent_required' } });
    const malformed = await call('calls.recording', {
      as: dave,
      params: { call_id: callId },
      body: { action: 'start', consent_confirmed: 'yes' },
    });
    expect(malformed).toMatchObject({ status: 400, body: { error: 'validation_error' } });
  });

  it.each([
    ['the initiator', dave],
    ['a thread owner', alice],
    ['a thread moderator', bob],
    ['an admin', admin],
  ])('lets %s start with consent, recording who, when and the consent text version', async (_, user) => {
    const { callId } = await newCall();
    const response = await call('calls.recording', {
      as: user,
      params: { call_id: callId },
      body: { action: 'start', consent_confirmed: true },
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      call_id: callId,
      recording: 'started',
      action_by: user.sub,
      action_at: expect.any(String),
      consent_recorded: true,
      consent: { recorded_by: user.sub, recorded_at: response.body.action_at, text_version: 'v1' },
    });
    expect((await call('calls.log', { as: carol, params: { call_id: callId } })).body.consent_recorded).toBe(true);
    expect(await rawOfType(callId, 'recording_action')).toEqual([
      expect.objectContaining({
        action: 'start',
        user_id: user.sub,
        at: response.body.action_at,
        consent_confirmed: true,
        text_version: 'v1',
      }),
    ]);
  });

  it('records a stop (who, when) and keeps consent on record', async () => {
    const { callId } = await consentedCall();
    const stopped = await call('calls.recording', { as: bob, params: { call_id: callId }, body: { action: 'stop' } });
    expect(stopped.status).toBe(200);
    expect(stopped.body).toMatchObject({
      recording: 'stopped',
      action_by: 'bob',
      consent_recorded: true,
      consent: { recorded_by: 'dave' },
    });
    const actions = await rawOfType(callId, 'recording_action');
    expect(actions.map((item) => [item.action, item.user_id])).toEqual([
      ['start', 'dave'],
      ['stop', 'bob'],
    ]);
    expect(actions[1]).toMatchObject({ at: stopped.body.action_at });
    expect(actions[1]).not.toHaveProperty('consent_confirmed');
  });

  it('answers 403 forbidden to a plain member and 403 not_a_thread_member to an outsider, on every recording route', async () => {
    const { callId } = await consentedCall();
    const attempts = [
      ['calls.recording', { action: 'start', consent_confirmed: true }],
      ['calls.recording', { action: 'stop' }],
      ['calls.recordings-create', recordingBody()],
      ['calls.recordings-list', undefined],
    ] as const;
    for (const [operation, body] of attempts) {
      const asMember = await call(operation, { as: carol, params: { call_id: callId }, body });
      expect(asMember, operation).toMatchObject({ status: 403, body: { error: 'forbidden' } });
      const asOutsider = await call(operation, { as: mallory, params: { call_id: callId }, body });
      expect(asOutsider, operation).toMatchObject({ status: 403, body: { error: 'not_a_thread_member' } });
      const unknown = await call(operation, { as: admin, params: { call_id: 'no-such-call' }, body });
      expect(unknown, operation).toMatchObject({ status: 404, body: { error: 'not_found' } });
    }
    expect(await rawOfType(callId, 'recording')).toEqual([]);
  });

  it('treats an initiator who has left the thread as an outsider', async () => {
    const { threadId, callId } = await consentedCall();
    expect((await call('threads.delete-member', { as: dave, params: { thread_id: threadId, user_id: 'dave' } })).status).toBe(204);
    const response = await call('calls.recordings-list', { as: dave, params: { call_id: callId } });
    expect(response).toMatchObject({ status: 403, body: { error: 'not_a_thread_member' } });
  });

  it('answers 409 call_ended to a start or stop on an ended call', async () => {
    const { callId } = await newCall();
    expect((await call('calls.end', { as: dave, params: { call_id: callId } })).status).toBe(200);
    for (const body of [{ action: 'start', consent_confirmed: true }, { action: 'stop' }]) {
      const response = await call('calls.recording', { as: alice, params: { call_id: callId }, body });
      expect(response).toMatchObject({ status: 409, body: { error: 'call_ended' } });
    }
    expect((await call('calls.log', { as: alice, params: { call_id: callId } })).body.consent_recorded).toBe(false);
    expect(await rawOfType(callId, 'recording_action')).toEqual([]);
  });
});

describe('recording metadata', () => {
  it('answers 409 consent_required without consent on record, and stores nothing', async () => {
    const { callId } = await newCall();
    const response = await call('calls.recordings-create', { as: dave, params: { call_id: callId }, body: recordingBody() });
    expect(response).toMatchObject({ status: 409, body: { error: 'consent_required' } });
    expect(await rawOfType(callId, 'recording')).toEqual([]);
  });

  it('registers a recording after the call ended and answers 201 with it', async () => {
    const { callId } = await consentedCall();
    await call('calls.end', { as: dave, params: { call_id: callId } });
    const created = await call('calls.recordings-create', { as: bob, params: { call_id: callId }, body: recordingBody() });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      recording_id: expect.any(String),
      call_id: callId,
      started_at: '2026-11-21T09:00:00.000Z',
      ended_at: '2026-11-21T09:45:00.000Z',
      size_bytes: 734_003_200,
      storage_uri: STORAGE_URI,
      transcript_uri: TRANSCRIPT_URI,
      created_by: 'bob',
      created_at: expect.any(String),
    });
  });

  it('stores no plaintext URI: the raw item holds ciphertext only', async () => {
    const { callId } = await consentedCall();
    const created = await createRecording(callId);
    const [item, ...others] = await rawOfType(callId, 'recording');
    expect(others).toEqual([]);
    expect(item).toMatchObject({
      recording_id: created.recording_id,
      call_id: callId,
      encrypted_uris: expect.stringMatching(/^v1\.local\./),
    });
    expect(item).not.toHaveProperty('storage_uri');
    expect(item).not.toHaveProperty('transcript_uri');
    const stored = JSON.stringify(await rawPartition(callId));
    for (const fragment of [STORAGE_URI, TRANSCRIPT_URI, 'acme-recordings-secret-bucket', 'board-meeting-q4', 'sig=abc123']) {
      expect(stored).not.toContain(fragment);
    }
  });

  it('lists decrypted recordings by start time to the initiator, an owner, a moderator and an admin', async () => {
    const { callId } = await consentedCall();
    const later = await createRecording(callId, {
      started_at: '2026-11-21T10:00:00.000Z',
      ended_at: '2026-11-21T10:05:00.000Z',
      transcript_uri: undefined,
      size_bytes: undefined,
    });
    const earlier = await createRecording(callId);
    for (const user of [dave, alice, bob, admin]) {
      const listed = await call('calls.recordings-list', { as: user, params: { call_id: callId } });
      expect(listed.status, user.sub).toBe(200);
      expect(listed.body.items).toEqual([earlier, later]);
    }
    expect(later).toMatchObject({ transcript_uri: null, size_bytes: null });
  });

  it('validates the body: unknown fields, non-URIs, over-long URIs, times out of order', async () => {
    const { callId } = await consentedCall();
    const invalid = [
      recordingBody({ bucket: 'x' }),
      recordingBody({ storage_uri: 'not a uri' }),
      recordingBody({ storage_uri: `s3://bucket/${'a'.repeat(1800)}` }),
      recordingBody({ transcript_uri: 'https://example.com/"quoted"' }),
      recordingBody({ ended_at: '2026-11-21T08:00:00.000Z' }),
      recordingBody({ started_at: 'yesterday' }),
      recordingBody({ size_bytes: -1 }),
    ];
    for (const body of invalid) {
      const response = await call('calls.recordings-create', { as: dave, params: { call_id: callId }, body });
      expect(response, JSON.stringify(body).slice(0, 80)).toMatchObject({ status: 400, body: { error: 'validation_error' } });
    }
    expect(await rawOfType(callId, 'recording')).toEqual([]);
  });

  it('never puts recording URIs in the call log, the thread call list or the end response', async () => {
    const { threadId, callId } = await consentedCall();
    await createRecording(callId);
    const ended = await call('calls.end', { as: dave, params: { call_id: callId } });
    const log = await call('calls.log', { as: carol, params: { call_id: callId } });
    const list = await call('threads.list-calls', { as: carol, params: { thread_id: threadId } });
    expect(log.body.consent_recorded).toBe(true);
    expect(list.body.items[0]).toMatchObject({ call_id: callId, consent_recorded: true });
    for (const response of [ended, log, list]) {
      expect(response.status).toBe(200);
      for (const fragment of ['storage_uri', 'transcript_uri', 'encrypted_uris', 'v1.local.', STORAGE_URI, TRANSCRIPT_URI]) {
        expect(response.raw).not.toContain(fragment);
      }
    }
  });

  it('never serves ciphertext copied onto another call or another recording, and logs ids only', async () => {
    const source = await consentedCall();
    const original = await createRecording(source.callId);
    const [sourceItem] = await rawOfType(source.callId, 'recording');
    await call('calls.end', { as: dave, params: { call_id: source.callId } });
    // Another call in the same thread (context differs by call id), and one in another thread.
    const sameThread = await consentedCall(source.threadId);
    const otherThread = await consentedCall();
    const victim = await createRecording(sameThread.callId, { storage_uri: 's3://acme/harmless.mp4', transcript_uri: undefined });

    for (const target of [sameThread.callId, otherThread.callId]) {
      await dynamo().send(
        new PutItemCommand({
          TableName: tableName(),
          Item: toAttributes({ ...sourceItem, ...keys.callRecording(target, sourceItem!.recording_id), call_id: target }),
        }),
      );
    }
    // And swapped onto an existing recording of the same call: authentic ciphertext, wrong item.
    const own = await createRecording(source.callId, { storage_uri: 's3://acme/second.mp4' });
    await dynamo().send(
      new UpdateItemCommand({
        TableName: tableName(),
        Key: toAttributes(keys.callRecording(source.callId, own.recording_id)),
        UpdateExpression: 'SET encrypted_uris = :stolen',
        ExpressionAttributeValues: toValues({ ':stolen': sourceItem!.encrypted_uris }),
      }),
    );
    const errors = vi.spyOn(logger, 'error');
    const metrics = vi.spyOn(Metrics.prototype, 'addMetric');

    const sameThreadList = await call('calls.recordings-list', { as: alice, params: { call_id: sameThread.callId } });
    expect(sameThreadList.status).toBe(200);
    expect(sameThreadList.body.items).toEqual([victim]);
    const otherThreadList = await call('calls.recordings-list', { as: alice, params: { call_id: otherThread.callId } });
    expect(otherThreadList).toMatchObject({ status: 200, body: { items: [] } });
    const sourceList = await call('calls.recordings-list', { as: alice, params: { call_id: source.callId } });
    expect(sourceList.body.items).toEqual([original]);
    expect(sourceList.raw).not.toContain('second.mp4');
    for (const response of [sameThreadList, otherThreadList]) expect(response.raw).not.toContain(STORAGE_URI);

    const rejected = errors.mock.calls.filter(([message]) => message === 'recording metadata rejected, not served');
    expect(rejected.map(([, fields]) => fields)).toEqual([
      { call_id: sameThread.callId, recording_id: sourceItem!.recording_id },
      { call_id: otherThread.callId, recording_id: sourceItem!.recording_id },
      { call_id: source.callId, recording_id: own.recording_id },
    ]);
    expect(metrics.mock.calls.filter(([name]) => name === MetricName.RecordingMetadataRejected)).toHaveLength(3);
    const logged = JSON.stringify(errors.mock.calls);
    for (const fragment of [STORAGE_URI, 'second.mp4', sourceItem!.encrypted_uris]) expect(logged).not.toContain(fragment);
  });

  it('still decrypts after a restart: a new cipher over the same DATA_DIR reads what the first wrote', async () => {
    const { callId } = await consentedCall();
    const created = await createRecording(callId);
    const dataDir = process.env.DATA_DIR as string;
    expect(existsSync(join(dataDir, LOCAL_KEY_FILE))).toBe(true);

    // As after a restart: getRecordingCipher() builds a fresh instance that loads the key from disk.
    setRecordingCipherForTests(undefined);
    const afterReset = await call('calls.recordings-list', { as: dave, params: { call_id: callId } });
    expect(afterReset.body.items).toEqual([created]);

    setRecordingCipherForTests(localRecordingCipher(dataDir));
    const afterRestart = await call('calls.recordings-list', { as: dave, params: { call_id: callId } });
    expect(afterRestart).toMatchObject({ status: 200, body: { items: [created] } });
  });

  it('answers 503 dependency_unavailable when KMS fails, and stores nothing', async () => {
    const { callId } = await consentedCall();
    const before = await rawPartition(callId);
    setRecordingCipherForTests(failingCipher);
    const response = await call('calls.recordings-create', { as: dave, params: { call_id: callId }, body: recordingBody() });
    expect(response).toMatchObject({ status: 503, body: { error: 'dependency_unavailable' } });
    expect(response.headers['retry-after']).toEqual(expect.any(String));
    expect(response.raw).not.toContain(STORAGE_URI);
    expect(await rawPartition(callId)).toEqual(before);
  });

  it('answers 503 to a listing while KMS fails rather than dropping every item', async () => {
    const { callId } = await consentedCall();
    await createRecording(callId);
    setRecordingCipherForTests(failingCipher);
    const response = await call('calls.recordings-list', { as: dave, params: { call_id: callId } });
    expect(response).toMatchObject({ status: 503, body: { error: 'dependency_unavailable' } });
  });
});
