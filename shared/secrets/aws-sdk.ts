// Shared by the Secrets Manager and KMS adapters: one retry policy and one rule for
// which SDK failures are worth a 503 (retry later) rather than a 500 (misconfiguration).

/**
 * Client settings for dependencies on a request path. The standard retry mode already
 * retries throttling, 5xx and timeouts with jittered backoff; 3 attempts plus these
 * timeouts keep a failing dependency inside the function timeout.
 */
export const AWS_CLIENT_DEFAULTS = {
  maxAttempts: 3,
  retryMode: 'standard',
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 3_000 },
} as const;

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
]);
const NETWORK = new Set([
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  $metadata?: { httpStatusCode?: number; requestId?: string; attempts?: number };
}

const shape = (error: unknown): SdkErrorShape => (typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {});

export function awsErrorName(error: unknown): string {
  const { name, code } = shape(error);
  if (typeof code === 'string' && NETWORK.has(code)) return code;
  return typeof name === 'string' ? name : 'UnknownError';
}

/** Throttling, 5xx, timeouts, no response at all, or one of the service's own transient codes. */
export function isTransientAwsError(error: unknown, serviceTransient: ReadonlySet<string> = new Set()): boolean {
  const name = awsErrorName(error);
  if (THROTTLING.has(name) || NETWORK.has(name) || serviceTransient.has(name)) return true;
  const status = shape(error).$metadata?.httpStatusCode;
  return status === undefined || status >= 500;
}

/**
 * What the app keeps as `cause`: name, status, request id and a capped message. The raw
 * SDK error can carry the HTTP response (`$response`), which is never worth logging
 * next to a secret or a plaintext.
 */
export function safeAwsCause(error: unknown): Error {
  const { message, $metadata } = shape(error);
  const name = awsErrorName(error);
  const parts = [name];
  if ($metadata?.httpStatusCode !== undefined) parts.push(`HTTP ${$metadata.httpStatusCode}`);
  if ($metadata?.requestId) parts.push(`request ${$metadata.requestId}`);
  if ($metadata?.attempts !== undefined) parts.push(`${$metadata.attempts} attempt(s)`);
  if (typeof message === 'string' && message !== '') parts.push(message.slice(0, 200));
  const summary = new Error(parts.join(', '));
  summary.name = name;
  return summary;
}
