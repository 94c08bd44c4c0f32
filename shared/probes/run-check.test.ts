import { describe, expect, it } from 'vitest';
import { StunError } from '../turn/stun';
import { explainStunError } from './coturn-probe';
import { explainFetchError } from './jitsi-probe';
import { Budget, buildResult, runCheck, scrubDetail } from './run-check';
import { probeStatus } from './types';

describe('probeStatus', () => {
  it('is down when a critical check fails, degraded when only a minor one does, ok otherwise', () => {
    expect(
      probeStatus([
        { ok: true, severity: 'critical' },
        { ok: true, severity: 'minor' },
      ]),
    ).toBe('ok');
    expect(
      probeStatus([
        { ok: true, severity: 'critical' },
        { ok: false, severity: 'minor' },
      ]),
    ).toBe('degraded');
    expect(
      probeStatus([
        { ok: false, severity: 'critical' },
        { ok: false, severity: 'minor' },
      ]),
    ).toBe('down');
    expect(probeStatus([])).toBe('ok');
  });
});

describe('buildResult', () => {
  it('keeps the contract fields of each check and drops the severity', () => {
    const result = buildResult('coturn', new Date(Date.UTC(2026, 10, 21, 9)), new Budget(1000), [
      { name: 'stun_binding', ok: true, latency_ms: 3, detail: 'fine', severity: 'critical' },
    ]);
    expect(result).toEqual({
      component: 'coturn',
      status: 'ok',
      checked_at: '2026-11-21T09:00:00.000Z',
      latency_ms: expect.any(Number),
      checks: [{ name: 'stun_binding', ok: true, latency_ms: 3, detail: 'fine' }],
    });
  });
});

describe('scrubDetail', () => {
  it.each([
    ['connect ECONNREFUSED 10.1.2.3:8080', 'connect ECONNREFUSED [address]'],
    ['GET https://jvb.internal:8080/about/health failed', 'GET [url] failed'],
    ['relay at [fd00::12]:50000 and 2001:db8:0:0:0:0:0:1', 'relay at [address]:50000 and [address]'],
    ['TURN rejected the credentials (401)', 'TURN rejected the credentials (401)'],
  ])('scrubs %j', (input, expected) => {
    expect(scrubDetail(input)).toBe(expected);
  });

  it('caps a long detail', () => {
    expect(scrubDetail('x'.repeat(1000))).toHaveLength(300);
  });
});

describe('runCheck', () => {
  it('turns a thrown error into a failed check with the explained detail', async () => {
    const budget = new Budget(1000);
    const check = await runCheck(
      'x',
      'critical',
      budget,
      500,
      async () => Promise.reject(new Error('boom at 10.0.0.1')),
      () => 'explained',
    );
    expect(check).toMatchObject({ name: 'x', ok: false, detail: 'explained', severity: 'critical' });
  });

  it('returns at the check timeout even when the body ignores its signal', async () => {
    const budget = new Budget(5000);
    const started = performance.now();
    const check = await runCheck(
      'x',
      'minor',
      budget,
      100,
      () => new Promise(() => undefined),
      (_e, context) => `timeout ${context.timeoutMs} ${context.budgetRanOut}`,
    );
    expect(performance.now() - started).toBeLessThan(1000);
    expect(check.detail).toBe('timeout 100 false');
  });

  it('says the budget ran out when the budget, not the check timeout, was the bound', async () => {
    const budget = new Budget(100);
    const check = await runCheck(
      'x',
      'minor',
      budget,
      5000,
      () => new Promise(() => undefined),
      (_e, context) => `budget ${context.budgetRanOut}`,
    );
    expect(check.detail).toBe('budget true');
  });
});

describe('failure details', () => {
  const context = { timeoutMs: 3000, budgetRanOut: false };

  it('explains a 401 after credentials as a secret mismatch', () => {
    const detail = explainStunError(new StunError('auth_rejected', 'x', { code: 401 }), context, 'TURN Allocate', 'rest');
    expect(detail).toBe(
      "TURN rejected the credentials (401): the shared secret does not match coturn's static-auth-secret (or this host's clock is far off)",
    );
  });

  it('explains a TLS certificate error by its code', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('certificate has expired'), { code: 'CERT_HAS_EXPIRED' }),
    });
    expect(explainFetchError(error, context, 'JITSI_PUBLIC_URL')).toBe(
      'JITSI_PUBLIC_URL has a TLS certificate the probe does not trust (CERT_HAS_EXPIRED)',
    );
  });

  it('explains an unresolvable host without naming it', () => {
    const error = new TypeError('fetch failed', {
      cause: Object.assign(new Error('getaddrinfo ENOTFOUND jvb.internal'), { code: 'ENOTFOUND' }),
    });
    expect(explainFetchError(error, context, 'The videobridge (JVB_HEALTH_URL)')).toBe(
      'The videobridge (JVB_HEALTH_URL) has a host name that does not resolve',
    );
  });
});
