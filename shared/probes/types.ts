// Shapes of the health contract (../shared/API.md, "Health"): stored by the scheduled probes,
// answered by GET /api/calls/health/{jitsi,coturn}.

/** The total time budget per probe run: the scheduled function's timeout sits above it. */
export const DEFAULT_PROBE_BUDGET_MS = 5000;

export type ProbeComponent = 'jitsi' | 'coturn';
export type ProbeStatus = 'ok' | 'degraded' | 'down';

export interface ProbeCheck {
  /** Stable snake_case name, also the metric dimension: see CHECK_NAMES. */
  name: string;
  ok: boolean;
  latency_ms: number;
  /** One readable sentence for an operator; never a secret, credential or internal address. */
  detail: string;
}

export interface ProbeResult {
  component: ProbeComponent;
  status: ProbeStatus;
  /** ISO-8601 UTC. */
  checked_at: string;
  /** Wall time of the whole probe; its checks run in parallel where they can. */
  latency_ms: number;
  checks: ProbeCheck[];
}

/**
 * What a failed check does to the probe's status:
 * - `critical`: every call (or every new call) breaks: the probe is `down`. The public front,
 *   XMPP, the JWT canary, the videobridge and Jicofo health, the STUN Binding and the TURN
 *   Allocate are critical. Jitsi's internal health URLs are critical because most deployments
 *   run one bridge and one Jicofo: when either reports unhealthy no call gets media or starts.
 *   A multi-bridge deployment may pass `internalSeverity: 'minor'` to the Jitsi probe.
 * - `minor`: some users or some paths break, most calls still work: the probe is `degraded`.
 *   TURN over TLS (`turns:`) is minor: it serves only clients whose network blocks UDP and
 *   plain TCP to the TURN port. The videobridge stats (`jvb_stats`) are minor: calls work
 *   without them, only the metrics go blind.
 * A check that was not configured is not run and not listed; it never changes the status.
 */
export type CheckSeverity = 'critical' | 'minor';

export const CHECK_NAMES = {
  jitsi: ['public_front', 'xmpp', 'jvb_health', 'jicofo_health', 'jwt_canary', 'jvb_stats'],
  coturn: ['stun_binding', 'turn_allocate', 'turns_tls'],
} as const satisfies Record<ProbeComponent, readonly string[]>;

export type JitsiCheckName = (typeof CHECK_NAMES.jitsi)[number];
export type CoturnCheckName = (typeof CHECK_NAMES.coturn)[number];

export interface GradedCheck extends ProbeCheck {
  severity: CheckSeverity;
}

export function probeStatus(checks: readonly Pick<GradedCheck, 'ok' | 'severity'>[]): ProbeStatus {
  if (checks.some((check) => !check.ok && check.severity === 'critical')) return 'down';
  if (checks.some((check) => !check.ok)) return 'degraded';
  return 'ok';
}
