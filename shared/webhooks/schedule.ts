// The retry schedule: exponential backoff with jitter, first retry within 10 s, retried for at
// least 24 h, then dead-lettered. Pure: the clock and the random source are arguments.

export interface RetryPolicy {
  /** Upper bound of the first retry's delay. */
  firstDelayMs: number;
  /** Longest delay between two attempts. */
  maxDelayMs: number;
  /** A failure this long after the first attempt is dead-lettered instead of retried. */
  giveUpAfterMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  firstDelayMs: 10_000,
  maxDelayMs: 60 * 60_000,
  giveUpAfterMs: 24 * 60 * 60_000,
};

/**
 * Delay before retry number `retry` (1 = the first retry): the exponential step
 * firstDelay * 2^(retry-1), capped, then "equal jitter" (between half and all of it) so that
 * receivers coming back from an outage are not hit by every sender at the same instant.
 */
export function retryDelayMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(retry - 1, 0), 30);
  const step = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** exponent);
  return Math.round(step / 2 + random() * (step / 2));
}

export type NextStep = { kind: 'retry'; dueAt: number; retry: number } | { kind: 'dead-letter' };

/** After failed attempt number `attempts` (1-based), started at `firstAttemptAt`: retry when, or give up. */
export function nextStep(
  attempts: number,
  firstAttemptAt: number,
  now: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  random: () => number = Math.random,
): NextStep {
  if (now - firstAttemptAt >= policy.giveUpAfterMs) return { kind: 'dead-letter' };
  return { kind: 'retry', dueAt: now + retryDelayMs(attempts, policy, random), retry: attempts };
}
