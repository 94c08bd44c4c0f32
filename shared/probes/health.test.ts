import { describe, expect, it } from 'vitest';
import { keys } from '../db/keys';
import { healthOf, healthResult } from './health';
import type { StoredProbeResult } from './store';

const NOW = Date.parse('2026-11-21T09:10:00.000Z');
const stored = (checkedAt: string, status: StoredProbeResult['status'] = 'ok'): StoredProbeResult => ({
  component: 'coturn',
  status,
  checked_at: checkedAt,
  latency_ms: 12,
  checks: [{ name: 'stun_binding', ok: status !== 'down', latency_ms: 3, detail: 'STUN Binding answered' }],
});

describe('the health answer', () => {
  it('answers 200 with the stored result while it is within three probe periods', () => {
    const health = healthOf('coturn', stored('2026-11-21T09:07:00.000Z'), NOW, 60);
    expect(health).toEqual({ ...stored('2026-11-21T09:07:00.000Z') });
    expect(healthResult(health, 60).status).toBe(200);
    expect(healthResult(healthOf('coturn', stored('2026-11-21T09:09:00.000Z', 'degraded'), NOW, 60), 60).status).toBe(200);
  });

  it('answers 503 down with Retry-After when the last probe failed', () => {
    const result = healthResult(healthOf('coturn', stored('2026-11-21T09:09:30.000Z', 'down'), NOW, 60), 60);
    expect(result).toMatchObject({
      status: 503,
      headers: { 'retry-after': '60' },
      body: { status: 'down', checked_at: '2026-11-21T09:09:30.000Z' },
    });
  });

  it('answers 503 unknown with the stale time once the result is older than three periods', () => {
    const health = healthOf('coturn', stored('2026-11-21T09:06:59.999Z'), NOW, 60);
    expect(health).toEqual({
      component: 'coturn',
      status: 'unknown',
      checked_at: '2026-11-21T09:06:59.999Z',
      latency_ms: null,
      checks: [],
      detail: expect.stringMatching(/older than 180 s/),
    });
    expect(healthResult(health, 60).status).toBe(503);
  });

  it('answers 503 unknown with checked_at null when there is no result or it is unreadable', () => {
    expect(healthOf('jitsi', undefined, NOW, 60)).toMatchObject({ component: 'jitsi', status: 'unknown', checked_at: null, checks: [] });
    expect(healthOf('jitsi', 'unreadable', NOW, 60)).toMatchObject({ status: 'unknown', checked_at: null });
  });

  it('keeps one result item per component under PROBE#<component> / LATEST', () => {
    expect(keys.probeResult('coturn')).toEqual({ pk: 'PROBE#coturn', sk: 'LATEST' });
  });
});
