import { beforeAll, describe, expect, it } from 'vitest';
import { resetConfigForTests } from '../shared/config';
import { call, setupApi } from './support/api';

// The rollback switch: with CALLS_ENABLED=false no call or class starts or is joined, calls in
// progress keep their token refreshes and can still be left and ended, and the config says so.

let callId = '';

beforeAll(async () => {
  await setupApi();
  const thread = await call('threads.create', { as: { sub: 'ann' }, body: { member_ids: ['ben'] } });
  const started = await call('calls.start', { as: { sub: 'ann' }, body: { thread_id: thread.body.thread_id, call_type: 'audio' } });
  callId = started.body.call_id;
  process.env.CALLS_ENABLED = 'false';
  resetConfigForTests();
});

describe('CALLS_ENABLED=false', () => {
  it('answers 503 feature_disabled with Retry-After to start and join, calls and live classes alike', async () => {
    const responses = [
      await call('calls.start', { as: { sub: 'ann' }, body: { thread_id: 'any', call_type: 'audio' } }),
      await call('calls.join', { as: { sub: 'ben' }, params: { call_id: callId } }),
      await call('live-classes.start', { as: { sub: 'ann', roles: ['admin'] }, params: { live_class_id: 'aaaaaaaaaaaaaaaa' } }),
      await call('live-classes.join', { as: { sub: 'ben' }, params: { live_class_id: 'aaaaaaaaaaaaaaaa' } }),
    ];
    for (const response of responses) {
      expect(response).toMatchObject({ status: 503, body: { error: 'feature_disabled' } });
      expect(response.headers['retry-after']).toBeDefined();
    }
  });

  it('says so on the config route', async () => {
    expect((await call('calls.config')).body.calls_enabled).toBe(false);
  });

  it('keeps a running call usable: token refresh, leave and end still work', async () => {
    expect((await call('calls.token', { as: { sub: 'ann' }, params: { call_id: callId } })).status).toBe(200);
    expect((await call('calls.leave', { as: { sub: 'ann' }, params: { call_id: callId } })).status).toBe(200);
    expect((await call('calls.end', { as: { sub: 'ann' }, params: { call_id: callId } })).status).toBe(200);
  });
});
