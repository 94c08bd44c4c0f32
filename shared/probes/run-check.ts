import { deadlineSignal, type Deadline } from '../turn/stun';
import type { CheckSeverity, GradedCheck, ProbeCheck, ProbeComponent, ProbeResult } from './types';
import { probeStatus } from './types';

export interface CheckContext {
  /** Aborts at the check's own timeout or when the probe's budget runs out. */
  signal: AbortSignal;
  timeoutMs: number;
}

export interface CheckOutcome {
  ok: boolean;
  detail: string;
}

export class Budget {
  readonly signal: AbortSignal;
  private readonly started = performance.now();
  private readonly deadline: Deadline;

  constructor(
    readonly budgetMs: number,
    outer?: AbortSignal,
  ) {
    this.deadline = deadlineSignal(budgetMs, outer);
    this.signal = this.deadline.signal;
  }

  /** Stops the budget's timer once the probe is done. */
  dispose(): void {
    this.deadline.clear();
  }

  elapsedMs(): number {
    return Math.round(performance.now() - this.started);
  }

  remainingMs(): number {
    return Math.max(0, this.budgetMs - (performance.now() - this.started));
  }
}

/**
 * Runs one check within min(its timeout, the budget left). It never throws: an error becomes
 * a failed check whose detail `explain` writes; the detail is scrubbed of addresses either way.
 */
export async function runCheck(
  name: string,
  severity: CheckSeverity,
  budget: Budget,
  checkTimeoutMs: number,
  body: (context: CheckContext) => Promise<CheckOutcome>,
  explain: (error: unknown, context: CheckContext & { budgetRanOut: boolean }) => string,
): Promise<GradedCheck> {
  const remainingMs = Math.floor(budget.remainingMs());
  const cappedByBudget = remainingMs < checkTimeoutMs;
  const timeoutMs = Math.max(1, Math.min(checkTimeoutMs, remainingMs));
  const deadline = deadlineSignal(timeoutMs, budget.signal);
  const signal = deadline.signal;
  const context = { signal, timeoutMs };
  const started = performance.now();
  let outcome: CheckOutcome;
  try {
    // The race keeps a body that ignores its signal from holding the probe past its budget.
    outcome = await new Promise<CheckOutcome>((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener('abort', () => reject(signal.reason), { once: true });
      body(context).then(resolve, reject);
    });
  } catch (error) {
    const budgetRanOut = budget.signal.aborted || cappedByBudget;
    outcome = { ok: false, detail: explain(error, { ...context, budgetRanOut }) };
  } finally {
    deadline.clear();
  }
  return {
    name,
    severity,
    ok: outcome.ok,
    latency_ms: Math.round(performance.now() - started),
    detail: scrubDetail(outcome.detail),
  };
}

export function isAbort(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError');
}

export function timeoutDetail(what: string, context: { timeoutMs: number; budgetRanOut: boolean }): string {
  return context.budgetRanOut
    ? `${what} did not answer before the probe's time budget ran out`
    : `${what} did not answer within ${context.timeoutMs} ms`;
}

export function buildResult(component: ProbeComponent, checkedAt: Date, budget: Budget, checks: GradedCheck[]): ProbeResult {
  budget.dispose();
  return {
    component,
    status: probeStatus(checks),
    checked_at: checkedAt.toISOString(),
    latency_ms: budget.elapsedMs(),
    checks: checks.map(({ name, ok, latency_ms, detail }): ProbeCheck => ({ name, ok, latency_ms, detail })),
  };
}

const URL_PATTERN = /\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi;
const IPV4_PATTERN = /\b(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?\b/g;
const IPV6_PATTERN =
  /\[?\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b\]?|\[?(?:[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?\]?|\[?::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)\]?/gi;
const MAX_DETAIL = 300;

/**
 * Last line of defence for the contract's "no internal address in the body": details are
 * written without addresses, but a canary or a library error may still carry one.
 */
export function scrubDetail(detail: string): string {
  const scrubbed = detail
    .replace(URL_PATTERN, '[url]')
    .replace(IPV4_PATTERN, '[address]')
    .replace(IPV6_PATTERN, '[address]')
    .replace(/\s+/g, ' ')
    .trim();
  return scrubbed.length > MAX_DETAIL ? `${scrubbed.slice(0, MAX_DETAIL - 1)}…` : scrubbed;
}
