import type * as z from 'zod/mini';
import type { ErrorCode } from '../errors';
import type { OutcomeMetrics } from '../observability/metric-names';

// What one operation is, declared once: the route table (infra/routes.ts), the OpenAPI document,
// the metrics and the handler's pipeline all read these fields.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** `user`: behind the JWT authorizer. `public`: health, config and docs. */
export type AuthMode = 'user' | 'public';

/** jitsi: login tokens' key; turn: coturn's secret; jitsi-system: the system token's key (end, kick, keys); jitsi-events: event_sync's bearer; jaas-webhook: JaaS's webhook signing secret. */
export type SecretName = 'jitsi' | 'turn' | 'jitsi-system' | 'jitsi-events' | 'jaas-webhook';

export interface RouteAccess {
  table?: 'read' | 'readwrite';
  /** The exact secrets the function reads at run time. */
  secrets?: readonly SecretName[];
  /** Recording metadata is encrypted and decrypted under the stage's KMS key. */
  kms?: 'encrypt' | 'decrypt' | 'encrypt-decrypt';
}

/** A join, start or token refresh: the session write, and the Jitsi and TURN secrets for its credentials. */
export const JOIN_ACCESS: RouteAccess = { table: 'readwrite', secrets: ['jitsi', 'turn'] };

/** What any operation on a thread or its calls may answer. */
export const THREAD_ERRORS: readonly ErrorCode[] = ['not_found', 'not_a_thread_member'];

type Schema = z.ZodMiniType;

export interface OperationContract {
  readonly method: HttpMethod;
  /** API Gateway path syntax: `{name}` for a path parameter. */
  readonly path: string;
  readonly auth: AuthMode;
  readonly access: RouteAccess;
  readonly summary: string;
  /** Not behind the JWT authorizer, but a shared secret as bearer: Prosody's event_sync (`jitsi-events`). */
  readonly bearer?: 'jitsi-events';
  /** Not behind the JWT authorizer, but a signed body: JaaS webhooks (`X-Jaas-Signature`, over the raw body). */
  readonly signature?: 'jaas';
  /** Answers 503 `feature_disabled` while CALLS_ENABLED is off (the rollback switch). */
  readonly callsSwitch?: boolean;
  readonly pathSchema?: Schema;
  readonly query?: Schema;
  /** A JSON body: the pipeline then also answers 413 and 415. */
  readonly body?: Schema;
  readonly status: 200 | 201 | 204;
  readonly response?: Schema;
  /** What the domain may answer beyond the errors the pipeline adds itself (genericErrors). */
  readonly errors: readonly ErrorCode[];
  /** Answers with a body of their own rather than the error body (the health routes' 503). */
  readonly alternate?: Readonly<Record<number, { readonly description: string; readonly response: Schema }>>;
  /** Business metrics counted per outcome. */
  readonly outcome?: OutcomeMetrics;
}

export type Contract<Id extends string = string> = OperationContract & { readonly id: Id };

/**
 * One operation's contract, stamped with its id so a handler holding it knows its operation.
 * Each is its own export, called as pure: a function's bundle keeps only the contract (and the
 * schemas) it imports, and the groups and the index (route table, OpenAPI) collect them all.
 */
export function operation<const Id extends string, const C extends OperationContract>(id: Id, contract: C): C & { readonly id: Id } {
  return { ...contract, id };
}

/** The errors the pipeline itself can answer, derived from what the contract asks of it. */
export function genericErrors(contract: OperationContract): ErrorCode[] {
  const codes: ErrorCode[] = ['validation_error', 'internal_error'];
  if (contract.body) codes.push('payload_too_large', 'unsupported_media_type');
  if (contract.auth === 'user' || contract.bearer || contract.signature) codes.push('unauthorized');
  if (contract.callsSwitch) codes.push('feature_disabled');
  const { table, secrets, kms } = contract.access;
  if (table || kms || (secrets && secrets.length > 0)) codes.push('dependency_unavailable');
  return codes;
}

export function declaredErrors(contract: OperationContract): ReadonlySet<ErrorCode> {
  return new Set([...genericErrors(contract), ...contract.errors]);
}

export const entryOf = (id: string) => {
  const [resource, verb] = id.split('.');
  return `functions/${resource}/${verb}.ts`;
};
