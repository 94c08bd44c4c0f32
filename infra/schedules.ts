// Scheduled jobs (the health probes): pure data like the route table. The CDK stack makes one
// function and one EventBridge schedule rule per entry, with grants derived from `access`.

import type { RouteAccess } from './routes';

export interface ScheduleDefinition {
  /** `<resource>.<verb>`, unique across routes and schedules: construct id, bundle directory, log key. */
  readonly id: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  /** Minutes between runs; omitted, the stage's probe interval (PROBE_INTERVAL_SECONDS) is used. */
  readonly rateMinutes?: number;
  readonly access: RouteAccess;
  readonly summary: string;
}

export const schedules: readonly ScheduleDefinition[] = [];
