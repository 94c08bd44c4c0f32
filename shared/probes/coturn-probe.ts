import type { TurnAuth } from '../secrets/provider';
import { turnRestCredentials } from '../turn/credentials';
import { StunError, stunBinding, turnAllocate, type StunServer } from '../turn/stun';
import { Budget, buildResult, runCheck, timeoutDetail, type CheckContext } from './run-check';
import { DEFAULT_PROBE_BUDGET_MS, type GradedCheck, type ProbeResult } from './types';

export interface CoturnProbeInput {
  host: string;
  port: number;
  /** Set only when TURNS_PORT was configured (Config.turnsPortConfigured): then TLS is checked. */
  turnsPort?: number;
  auth: TurnAuth;
  /** The user id inside the probe's TURN REST username, e.g. `health-probe`: visible in coturn's log. */
  userIdForProbe: string;
  /** Whole probe; default 5000 ms. */
  budgetMs?: number;
  /** Each check; default 3000 ms, enough for the UDP retransmissions at 0, 500 and 1500 ms. */
  checkTimeoutMs?: number;
  /** Clock for checked_at and the credential's expiry; latency uses a monotonic clock. */
  now?: () => number;
  /** TLS only: extra CA certificates and the certificate name (tests use a self-signed one). */
  tls?: { ca?: string | Buffer; servername?: string };
  signal?: AbortSignal;
}

const DEFAULT_CHECK_TIMEOUT_MS = 3000;
/** Long enough for the probe, short enough that a leaked probe credential is worthless soon. */
const PROBE_CREDENTIAL_TTL_SECONDS = 300;

export async function runCoturnProbe(input: CoturnProbeInput): Promise<ProbeResult> {
  const now = input.now ?? Date.now;
  const checkedAt = new Date(now());
  const budget = new Budget(input.budgetMs ?? DEFAULT_PROBE_BUDGET_MS, input.signal);
  const checkTimeoutMs = input.checkTimeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const udp: StunServer = { host: input.host, port: input.port, transport: 'udp' };

  const checks: Promise<GradedCheck>[] = [
    runCheck(
      'stun_binding',
      'critical',
      budget,
      checkTimeoutMs,
      async (context) => {
        const result = await stunBinding(udp, callOptions(context));
        // The mapped address is ours as coturn sees it: checked, never shown.
        return { ok: true, detail: `STUN Binding answered with an ${result.mappedAddress.family} XOR-MAPPED-ADDRESS` };
      },
      (error, context) => explainStunError(error, context, 'STUN Binding on TURN_PORT (UDP)'),
    ),
    runCheck(
      'turn_allocate',
      'critical',
      budget,
      checkTimeoutMs,
      async (context) => allocateCheck(udp, input, now(), context),
      (error, context) => explainStunError(error, context, 'TURN Allocate on TURN_PORT (UDP)', input.auth.kind),
    ),
  ];
  if (input.turnsPort !== undefined) {
    const tlsServer: StunServer = {
      host: input.host,
      port: input.turnsPort,
      transport: 'tls',
      ...(input.tls?.ca !== undefined && { ca: input.tls.ca }),
      ...(input.tls?.servername !== undefined && { servername: input.tls.servername }),
    };
    checks.push(
      runCheck(
        'turns_tls',
        'minor',
        budget,
        checkTimeoutMs,
        async (context) => {
          await stunBinding(tlsServer, callOptions(context));
          return { ok: true, detail: 'TLS handshake on TURNS_PORT succeeded with a trusted certificate and STUN answered over it' };
        },
        (error, context) => explainStunError(error, context, 'TURN over TLS on TURNS_PORT'),
      ),
    );
  }
  const graded = await Promise.all(checks);
  return buildResult('coturn', checkedAt, budget, graded);
}

const callOptions = (context: CheckContext) => ({ timeoutMs: context.timeoutMs, signal: context.signal });

async function allocateCheck(server: StunServer, input: CoturnProbeInput, nowMs: number, context: CheckContext) {
  const auth = input.auth;
  if (auth.kind === 'none') {
    return {
      ok: false,
      detail: 'No TURN credentials are configured (TURN_SECRET, or TURN_USERNAME and TURN_PASSWORD): clients get no usable TURN server',
    };
  }
  const credentials =
    auth.kind === 'rest'
      ? (() => {
          const minted = turnRestCredentials(auth.secret, input.userIdForProbe, PROBE_CREDENTIAL_TTL_SECONDS, nowMs);
          return { username: minted.username, password: minted.credential };
        })()
      : { username: auth.username, password: auth.password };
  const result = await turnAllocate(server, credentials, callOptions(context));
  if (!result.authenticated) {
    return {
      ok: false,
      detail:
        'coturn allocated a relay without asking for credentials: it runs as an open relay; set use-auth-secret and static-auth-secret (or lt-cred-mech) in turnserver.conf',
    };
  }
  const how = auth.kind === 'rest' ? 'TURN REST credentials minted from TURN_SECRET' : 'the static TURN_USERNAME/TURN_PASSWORD';
  const lifetime = result.lifetimeSeconds === undefined ? '' : ` (lifetime ${result.lifetimeSeconds} s)`;
  const release = result.released
    ? 'released it with a Refresh of lifetime 0'
    : `could not release it (${result.releaseError?.message ?? 'unknown error'}); coturn frees it when its lifetime ends`;
  return { ok: true, detail: `Allocated a UDP relay with ${how}${lifetime}, verified MESSAGE-INTEGRITY, ${release}` };
}

const ERROR_HINTS: Record<number, string> = {
  403: 'coturn refused the allocation (403 Forbidden): check denied-peer-ip, no-udp-relay and user restrictions in turnserver.conf',
  420: 'coturn does not understand a required attribute (420): an unusual server build or a proxy in front of it',
  437: 'coturn reports an allocation mismatch (437): retry; a persistent one means a NAT in front of coturn reuses ports',
  440: 'coturn does not support the address family (440): check listening-ip and relay-ip',
  441: 'coturn rejected the credentials for this allocation (441 Wrong Credentials)',
  442: 'coturn does not support UDP relays (442): remove no-udp-relay from turnserver.conf',
  486: 'coturn reached an allocation quota (486): raise user-quota or total-quota in turnserver.conf',
  508: 'coturn has no free relay port (508): widen min-port/max-port or check the relay ports are not exhausted',
};

export function explainStunError(
  error: unknown,
  context: { timeoutMs: number; budgetRanOut: boolean },
  what: string,
  authKind?: TurnAuth['kind'],
): string {
  if (!(error instanceof StunError)) {
    if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return timeoutDetail(what, context);
    return `${what} failed unexpectedly`;
  }
  switch (error.kind) {
    case 'auth_rejected':
      return authKind === 'static'
        ? 'TURN rejected the credentials (401): TURN_USERNAME/TURN_PASSWORD do not match a coturn user for its realm'
        : "TURN rejected the credentials (401): the shared secret does not match coturn's static-auth-secret (or this host's clock is far off)";
    case 'timeout':
      return `${timeoutDetail(what, context)}: coturn is down, or a firewall drops the port`;
    case 'unreachable':
      return `${what} failed: ${error.message}`;
    case 'integrity':
      return `${what}: coturn's answer failed MESSAGE-INTEGRITY (${error.message}): something between the probe and coturn rewrites STUN, or another server answers`;
    case 'malformed':
      return `${what} got an answer that is not valid STUN (${error.message}): another service listens on that port`;
    case 'error_response':
      return (error.code !== undefined && ERROR_HINTS[error.code]) || `${what} failed: ${error.message}`;
  }
}
