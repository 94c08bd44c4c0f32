import { createHash } from 'node:crypto';
import { MetricName } from '../observability/metric-names';
import { logger } from '../observability/logger';
import { countMetric } from '../observability/metrics';
import { attemptDelivery, type AttemptOutcome } from './attempt';
import type { WebhookEvent } from './envelope';
import { DEFAULT_RETRY_POLICY, nextStep, type RetryPolicy } from './schedule';

// One delivery engine for both sides: deployed (SQS messages) and local (files in DATA_DIR) are
// adapters that store a PendingDelivery and call runDelivery when it is due.

/** One event on its way to one URL. Times are ISO strings so the record survives JSON. */
export interface PendingDelivery {
  event: WebhookEvent;
  url: string;
  /** Failed attempts so far. */
  attempts: number;
  /** Unset until the first attempt: the 24 h window starts there. */
  first_attempt_at?: string;
  due_at: string;
  last_error?: string;
}

export interface DeadLetter extends PendingDelivery {
  dead_lettered_at: string;
}

export type DeliveryResult =
  | { kind: 'delivered'; outcome: AttemptOutcome }
  | { kind: 'retry'; next: PendingDelivery; outcome: AttemptOutcome }
  | { kind: 'dead-letter'; record: DeadLetter; outcome: AttemptOutcome };

export interface DeliveryDeps {
  secret: string;
  stage: string;
  policy?: RetryPolicy;
  now?: () => number;
  random?: () => number;
  fetch?: typeof fetch;
  timeoutMs?: number;
  /** Metrics sink; the EMF helper by default. */
  count?: (name: MetricName) => void;
}

/** Stable per (event, url): file name locally, log key and dedupe key everywhere. */
export function deliveryKey(eventId: string, url: string): string {
  return createHash('sha256').update(`${eventId}\n${url}`).digest('hex').slice(0, 32);
}

/** Scheme, host and path only: a receiver's query string may carry its own token. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return '(invalid url)';
  }
}

export function newPendingDeliveries(event: WebhookEvent, urls: readonly string[], now: number): PendingDelivery[] {
  const due = new Date(now).toISOString();
  return urls.map((url) => ({ event, url, attempts: 0, due_at: due }));
}

/** Serialized once per attempt from the stored envelope: key order is the envelope's. */
export function rawBodyOf(event: WebhookEvent): string {
  return JSON.stringify({ id: event.id, type: event.type, occurred_at: event.occurred_at, data: event.data });
}

export async function runDelivery(pending: PendingDelivery, deps: DeliveryDeps): Promise<DeliveryResult> {
  const now = deps.now ?? Date.now;
  const count = deps.count ?? countMetric;
  const startedAt = now();
  const outcome = await attemptDelivery({
    url: pending.url,
    rawBody: rawBodyOf(pending.event),
    eventId: pending.event.id,
    eventType: pending.event.type,
    secret: deps.secret,
    stage: deps.stage,
    now,
    ...(deps.timeoutMs === undefined ? {} : { timeoutMs: deps.timeoutMs }),
    ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
  });
  const fields = {
    event_id: pending.event.id,
    event_type: pending.event.type,
    url: redactUrl(pending.url),
    attempt: pending.attempts + 1,
    duration_ms: outcome.durationMs,
  };
  if (outcome.delivered) {
    count(MetricName.WebhookDelivered);
    logger.info('webhook delivered', { ...fields, status: outcome.status });
    return { kind: 'delivered', outcome };
  }

  count(MetricName.WebhookDeliveryFailed);
  const firstAttemptAt = pending.first_attempt_at ?? new Date(startedAt).toISOString();
  const attempts = pending.attempts + 1;
  const failedAt = now();
  const step = nextStep(attempts, Date.parse(firstAttemptAt), failedAt, deps.policy ?? DEFAULT_RETRY_POLICY, deps.random);
  const updated = { ...pending, attempts, first_attempt_at: firstAttemptAt, last_error: outcome.reason };
  if (step.kind === 'dead-letter') {
    count(MetricName.WebhookDeadLettered);
    logger.error('webhook dead-lettered', { ...fields, reason: outcome.reason, first_attempt_at: firstAttemptAt });
    return { kind: 'dead-letter', record: { ...updated, dead_lettered_at: new Date(failedAt).toISOString() }, outcome };
  }
  const next = { ...updated, due_at: new Date(step.dueAt).toISOString() };
  logger.warn('webhook delivery failed, will retry', { ...fields, reason: outcome.reason, due_at: next.due_at });
  return { kind: 'retry', next, outcome };
}

/** A dead letter put back on the schedule by a replay: due now, with a fresh 24 h window. */
export function replayed(record: DeadLetter, now: number): PendingDelivery {
  return { event: record.event, url: record.url, attempts: 0, due_at: new Date(now).toISOString() };
}
