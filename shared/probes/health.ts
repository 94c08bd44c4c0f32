import { getConfig } from '../config';
import type { HttpResult } from '../http/responses';
import type { Health } from '../schemas/health';
import { latestProbeResult, type StoredProbeResult } from './store';
import type { ProbeComponent } from './types';

// The health routes' answer (../shared/API.md, "Health"): the last stored result while it is
// fresh; `unknown` when there is none or it is older than three probe periods.

const HTTP_OK = 200;
const HTTP_SERVICE_UNAVAILABLE = 503;
/** Missing two runs in a row can be a cold start or a throttle; three means the probe is not running. */
export const STALE_AFTER_PERIODS = 3;

export function healthOf(
  component: ProbeComponent,
  stored: StoredProbeResult | 'unreadable' | undefined,
  nowMs: number,
  intervalSeconds: number,
): Health {
  const unknown = (checkedAt: string | null, detail: string): Health => ({
    component,
    status: 'unknown',
    checked_at: checkedAt,
    latency_ms: null,
    checks: [],
    detail,
  });
  if (stored === undefined) return unknown(null, 'No probe result yet: the scheduled probe has not run or could not store its result');
  if (stored === 'unreadable') return unknown(null, 'The stored probe result is unreadable: the next probe run replaces it');
  const staleAfterSeconds = STALE_AFTER_PERIODS * intervalSeconds;
  const ageMs = nowMs - Date.parse(stored.checked_at);
  if (!(ageMs <= staleAfterSeconds * 1000)) {
    return unknown(
      stored.checked_at,
      `The last probe result is older than ${staleAfterSeconds} s (three probe periods): the scheduled probe is not running`,
    );
  }
  return { component, status: stored.status, checked_at: stored.checked_at, latency_ms: stored.latency_ms, checks: stored.checks };
}

export function healthResult(health: Health, intervalSeconds: number): HttpResult {
  const healthy = health.status === 'ok' || health.status === 'degraded';
  // The next probe run is the earliest the answer can change.
  return healthy
    ? { status: HTTP_OK, body: health }
    : { status: HTTP_SERVICE_UNAVAILABLE, body: health, headers: { 'retry-after': String(intervalSeconds) } };
}

export async function healthAnswer(component: ProbeComponent, nowMs = Date.now()): Promise<HttpResult> {
  const intervalSeconds = getConfig().PROBE_INTERVAL_SECONDS;
  return healthResult(healthOf(component, await latestProbeResult(component), nowMs, intervalSeconds), intervalSeconds);
}
