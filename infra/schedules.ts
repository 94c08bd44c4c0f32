// Scheduled jobs (the health probes, the ring timeouts): pure data like the route table. The CDK stack makes one
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
  /** Function timeout; omitted, the construct's default. Probes sit above their 5 s budget. */
  readonly timeoutSeconds?: number;
}

// 5 s of probe, a Secrets Manager read and a DynamoDB write (each with its SDK retries) and a cold start.
const PROBE_TIMEOUT_SECONDS = 15;

export const schedules: readonly ScheduleDefinition[] = [
  {
    id: 'probes.jitsi',
    entry: 'functions/probes/jitsi.ts',
    access: { table: 'readwrite', secrets: ['jitsi'] },
    timeoutSeconds: PROBE_TIMEOUT_SECONDS,
    summary: 'Probe the Jitsi front, XMPP, videobridge and Jicofo health, and a JWT canary; store the result',
  },
  {
    id: 'probes.coturn',
    entry: 'functions/probes/coturn.ts',
    access: { table: 'readwrite', secrets: ['turn'] },
    timeoutSeconds: PROBE_TIMEOUT_SECONDS,
    summary: 'Probe coturn: STUN Binding, authenticated TURN Allocate, TLS when TURNS_PORT is set; store the result',
  },
  {
    id: 'calls.ring-timeouts',
    entry: 'functions/calls/ring-timeouts.ts',
    rateMinutes: 1,
    access: { table: 'readwrite' },
    summary: 'Invitations still ringing after RING_TIMEOUT_SECONDS become missed (cancelled if their call ended), with their events',
  },
  {
    id: 'calls.sweep',
    entry: 'functions/calls/sweep.ts',
    rateMinutes: 1,
    // Ending a call ends its Jitsi meeting: the system key signs that request.
    access: { table: 'readwrite', secrets: ['jitsi-system'] },
    summary:
      'Calls everyone left CALL_EMPTY_GRACE_SECONDS ago end room_empty, past CALL_MAX_HOURS expired; unconfirmed joins close never_connected; live classes Jitsi reported empty for LIVE_CLASS_EMPTY_MINUTES end (gsi4 by deadline)',
  },
];
