import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { MetricName } from '../shared/observability/metric-names';
import { bearer, call, contractViolation, setupApi } from './support/api';

// The pipeline every HTTP function shares: media type, body rules, the authorizer's claims, one
// EMF document per invocation and the Lambda context in every log line.

let printed: string[] = [];
const lines = () =>
  printed
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, any>);

beforeAll(async () => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  await setupApi();
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: any, ...rest: any[]) => {
    printed.push(String(chunk));
    rest.find((argument): argument is () => void => typeof argument === 'function')?.();
    return true;
  });
});

afterEach(() => {
  printed = [];
});

const newThread = async () =>
  (await call('threads.create', { as: { sub: 'ann' }, body: { member_ids: ['ben'] } })).body.thread_id as string;

describe('request bodies', () => {
  it('answers 415 unsupported_media_type to a JSON body sent as text/plain, form-encoded or without a type', async () => {
    const rawBody = JSON.stringify({ title: 'x', member_ids: ['ben'] });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'application/jsonp']) {
      const response = await call('threads.create', { as: { sub: 'ann' }, rawBody, headers: { 'content-type': type } });
      expect(response, type).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
    }
    const untyped = await call('calls.start', { as: { sub: 'ann' }, rawBody: '{}', headers: { 'content-type': '' } });
    expect(untyped.status).toBe(415);
  });

  it('accepts application/json with a utf-8 charset, in any case', async () => {
    for (const type of ['application/json', 'application/json; charset=utf-8', 'Application/JSON;charset="UTF-8"']) {
      const response = await call('threads.create', {
        as: { sub: 'ann' },
        body: { member_ids: ['ben'] },
        headers: { 'content-type': type },
      });
      expect(response.status, type).toBe(201);
    }
  });

  it('answers 400 to a body on an operation that takes none, but lets an empty {} through', async () => {
    const threadId = await newThread();
    const withBody = await call('threads.get', { as: { sub: 'ann' }, params: { thread_id: threadId }, body: { x: 1 } });
    expect(withBody).toMatchObject({ status: 400, body: { error: 'validation_error' } });
    expect((await call('threads.get', { as: { sub: 'ann' }, params: { thread_id: threadId }, body: {} })).status).toBe(200);
  });
});

describe('authorization', () => {
  it('takes the Bearer scheme in any case, and answers the contract 401 to anything else', async () => {
    const token = await bearer({ sub: 'ann' });
    for (const scheme of ['bearer', 'BEARER']) {
      expect((await call('threads.create', { as: `${scheme} ${token}`, body: { member_ids: ['ben'] } })).status, scheme).toBe(201);
    }
    const refused = await call('threads.create', { as: `Token ${token}`, body: { member_ids: ['ben'] } });
    expect(refused).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(refused.headers['content-type']).toContain('application/json');
  });
});

describe('observability', () => {
  it('puts the cold start flag and the request id on every log line', async () => {
    await newThread();
    const request = lines().find((line) => line.message === 'request');
    expect(request).toMatchObject({ operation: 'threads.create', status: 201 });
    expect(typeof request?.cold_start).toBe('boolean');
    expect(request?.function_request_id).toEqual(expect.any(String));
    expect(request?.function_name).toBe('threads.create');
  });

  it('flushes one EMF document per invocation, with the reason as a second dimension set', async () => {
    const threadId = await newThread();
    const started = await call('calls.start', { as: { sub: 'ann' }, body: { thread_id: threadId, call_type: 'audio' } });
    printed = [];
    expect((await call('calls.join', { as: { sub: 'eve' }, params: { call_id: started.body.call_id } })).status).toBe(403);
    const documents = lines().filter((line) => '_aws' in line);
    expect(documents).toHaveLength(1);
    const [document] = documents;
    expect(document).toMatchObject({ JoinFailed: 1, JoinFailedByReason: 1, AccessDenied: 1, reason: 'not_a_thread_member' });
    expect(document?._aws.CloudWatchMetrics[0].Dimensions).toEqual([
      ['service', 'stage'],
      ['service', 'stage', 'reason'],
    ]);
    printed = [];
    await call('threads.get', { as: { sub: 'ann' }, params: { thread_id: threadId } });
    expect(lines().filter((line) => '_aws' in line)).toHaveLength(0);
    expect(lines().filter((line) => line.level === 'WARN')).toEqual([]);
    expect(MetricName.JoinFailed).toBe('JoinFailed');
  });
});

describe('contract check', () => {
  it('flags an undeclared error, a wrong status and a 2xx body off its schema', () => {
    expect(contractViolation({ operation: 'threads.get', status: 409, body: { error: 'call_in_progress' } })).toMatch(/not declared/);
    expect(contractViolation({ operation: 'threads.get', status: 400, body: { error: 'not_found' } })).toMatch(/answered with 400/);
    expect(contractViolation({ operation: 'threads.create', status: 200, body: {} })).toMatch(/contract says 201/);
    expect(contractViolation({ operation: 'calls.token', status: 200, body: { token: 1 } })).toMatch(/response schema/);
    expect(contractViolation({ operation: 'calls.join', status: 429, body: { error: 'rate_limited' } })).toBeUndefined();
    expect(contractViolation({ operation: 'health.jitsi', status: 503, body: { error: 'dependency_unavailable' } })).toBeUndefined();
    expect(contractViolation({ operation: 'health.jitsi', status: 503, body: { status: 'sideways' } })).toMatch(/schema/);
  });
});
