import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '../shared/config';
import { call, setupApi, type TestUser } from './support/api';

// Issue 15, item 5: recording URIs accept only the schemes a recorder writes and never a host
// that would point a later fetch at loopback, link-local (the metadata endpoint) or a private network.
const owner: TestUser = { sub: 'uri-owner' };

const body = (overrides: Record<string, unknown>) => ({
  storage_uri: 's3://recordings/call.mp4',
  started_at: '2026-11-21T09:00:00.000Z',
  ended_at: '2026-11-21T09:30:00.000Z',
  ...overrides,
});

let callId: string;

beforeAll(async () => {
  await setupApi();
  const thread = await call('threads.create', { as: owner, body: { member_ids: ['uri-member'] } });
  const started = await call('calls.start', { as: owner, body: { thread_id: thread.body.thread_id, call_type: 'video' } });
  callId = started.body.call_id as string;
  const consent = await call('calls.recording', {
    as: owner,
    params: { call_id: callId },
    body: { action: 'start', consent_confirmed: true },
  });
  expect(consent.status).toBe(200);
});

afterEach(() => {
  delete process.env.RECORDING_URI_SCHEMES;
  resetConfigForTests();
});

const create = (overrides: Record<string, unknown>) =>
  call('calls.recordings-create', { as: owner, params: { call_id: callId }, body: body(overrides) });

describe('recording URIs', () => {
  it.each([
    ['javascript:alert(1)', 'scheme "javascript" is not accepted; use s3 or https'],
    ['file:///etc/passwd', 'scheme "file" is not accepted; use s3 or https'],
    ['http://169.254.169.254/latest/meta-data/', 'scheme "http" is not accepted; use s3 or https'],
    ['https://169.254.169.254/latest/meta-data/', 'must not point at a loopback, link-local or private address'],
    ['https://127.0.0.1/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['https://2130706433/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['https://0x7f.1/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['https://10.0.0.5/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['https://172.16.3.4/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['https://192.168.1.10/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['https://[::1]/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['https://[::ffff:127.0.0.1]/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['https://[fe80::1]/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['https://[fd12:3456::1]/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['https://localhost/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['https://recorder.localhost./a.mp4', 'must not point at a loopback, link-local or private address'],
    ['s3://127.0.0.1/a.mp4', 'must not point at a loopback, link-local or private address'],
    ['s3:bucket-without-slashes', 'must name a host or bucket (scheme://host/…)'],
  ])('refuses %s as storage_uri and transcript_uri with 400 validation_error naming the field', async (uri, problem) => {
    for (const field of ['storage_uri', 'transcript_uri']) {
      const response = await create({ [field]: uri });
      expect(response.status, `${field}=${uri}`).toBe(400);
      expect(response.body).toMatchObject({ error: 'validation_error', details: [{ field: `body.${field}`, problem }] });
    }
  });

  it('accepts s3 and https URIs on public hosts', async () => {
    for (const uri of [
      's3://acme-recordings/2026/a.mp4',
      'https://cdn.example.com/a.mp4',
      'https://8.8.8.8/a.mp4',
      'https://[2001:db8::1]/a.vtt',
    ]) {
      const response = await create({ storage_uri: uri, transcript_uri: uri });
      expect(response.status, uri).toBe(201);
    }
  });

  it('takes the accepted schemes from the stage configuration', async () => {
    process.env.RECORDING_URI_SCHEMES = 'gs';
    resetConfigForTests();
    expect((await create({ storage_uri: 'gs://bucket/a.mp4' })).status).toBe(201);
    const refused = await create({ storage_uri: 's3://bucket/a.mp4' });
    expect(refused.body).toMatchObject({
      error: 'validation_error',
      details: [{ field: 'body.storage_uri', problem: 'scheme "s3" is not accepted; use gs' }],
    });
  });
});
