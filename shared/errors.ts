// The contract's error codes (../shared/API.md, "Errors"): stable, snake_case, one status each.
export const ERROR_STATUS = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_a_thread_member: 403,
  not_enrolled: 403,
  not_found: 404,
  call_in_progress: 409,
  call_ended: 409,
  not_in_call: 409,
  not_ringing: 409,
  consent_required: 409,
  live_class_not_started: 409,
  live_class_ended: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  rate_limited: 429,
  feature_disabled: 503,
  dependency_unavailable: 503,
  internal_error: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

export interface AppErrorOptions {
  details?: unknown;
  /** Extra top-level body fields the contract asks for, e.g. `call_id` on `call_in_progress`. */
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
  cause?: unknown;
}

/** An error the client may see: below 500 its message is shown, from 500 up it is replaced. */
export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: unknown;
  readonly extra: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_STATUS[code];
    this.details = options.details;
    this.extra = options.extra;
    this.headers = options.headers;
  }
}

export const RETRY_AFTER_SECONDS = '1';

export const validationError = (message: string, details?: unknown) => new AppError('validation_error', message, { details });
export const unauthorized = (message = 'A valid bearer token is required.') => new AppError('unauthorized', message);
export const forbidden = (message = 'Your role does not allow this.') => new AppError('forbidden', message);
export const notFound = (what: string) => new AppError('not_found', `${what} not found.`);
export const dependencyUnavailable = (dependency: string, cause?: unknown) =>
  new AppError('dependency_unavailable', `${dependency} is unavailable, try again shortly.`, {
    cause,
    headers: { 'retry-after': RETRY_AFTER_SECONDS },
  });
export const featureDisabled = () =>
  new AppError('feature_disabled', 'Calls are switched off for this deployment.', {
    headers: { 'retry-after': '60' },
  });
