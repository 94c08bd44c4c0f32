import { signatureHeader, SIGNATURE_HEADER } from './signature';
import { webhookUrlProblem } from './urls';

export const DELIVERY_TIMEOUT_MS = 10_000;
export const USER_AGENT = 'jitsi-calls-webhooks/1';

export interface AttemptInput {
  url: string;
  /** The envelope serialized once: the exact bytes signed are the bytes sent. */
  rawBody: string;
  eventId: string;
  eventType: string;
  secret: string;
  stage: string;
  now?: () => number;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type AttemptOutcome =
  | { delivered: true; status: number; durationMs: number }
  /** `reason` is an HTTP status or an error class: never the response body or the URL's query. */
  | { delivered: false; status?: number; reason: string; durationMs: number };

/** One POST; a 2xx within the timeout is delivered, anything else (3xx included) is a failure to retry. */
export async function attemptDelivery(input: AttemptInput): Promise<AttemptOutcome> {
  const now = input.now ?? Date.now;
  const startedAt = now();
  const problem = webhookUrlProblem(input.url, input.stage);
  if (problem) return { delivered: false, reason: `url ${problem}`, durationMs: 0 };
  try {
    const response = await (input.fetch ?? fetch)(input.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        [SIGNATURE_HEADER]: signatureHeader(input.secret, input.rawBody, now() / 1000),
        'x-calls-event-id': input.eventId,
        'x-calls-event-type': input.eventType,
      },
      body: input.rawBody,
      // A redirect would re-send a signed body to a host nobody configured.
      redirect: 'manual',
      signal: AbortSignal.timeout(input.timeoutMs ?? DELIVERY_TIMEOUT_MS),
    });
    // Drain so the connection is released; the body itself is never kept or logged.
    await response.body?.cancel().catch(() => undefined);
    const durationMs = now() - startedAt;
    if (response.status >= 200 && response.status < 300) return { delivered: true, status: response.status, durationMs };
    return { delivered: false, status: response.status, reason: `HTTP ${response.status}`, durationMs };
  } catch (error) {
    return { delivered: false, reason: failureReason(error), durationMs: now() - startedAt };
  }
}

function failureReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'timeout';
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  if (cause && typeof cause.code === 'string') return cause.code;
  return error instanceof Error ? error.name : 'unknown error';
}
