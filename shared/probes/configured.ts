import { getConfig } from '../config';
import { getSecretsProvider } from '../secrets/provider';
import { configuredJwtCanary } from './canary';
import { runCoturnProbe } from './coturn-probe';
import { runJitsiProbe } from './jitsi-probe';
import { recordJvbStats } from './metrics';
import type { ProbeResult } from './types';

// The probes as the scheduled functions run them: settings from the configuration, the TURN
// secret from the same provider join uses, the default 5 s budget.

/** The TURN REST username's user part: what coturn's log shows for the probe's allocations. */
export const PROBE_USER_ID = 'health-probe';

export async function probeCoturn(): Promise<ProbeResult> {
  const config = getConfig();
  return runCoturnProbe({
    host: config.TURN_HOST,
    port: config.TURN_PORT,
    ...(config.turnsPortConfigured && { turnsPort: config.TURNS_PORT }),
    auth: await getSecretsProvider().turnAuth(),
    userIdForProbe: PROBE_USER_ID,
  });
}

export async function probeJitsi(): Promise<ProbeResult> {
  const config = getConfig();
  return runJitsiProbe({
    publicUrl: config.JITSI_PUBLIC_URL,
    ...(config.JVB_HEALTH_URL && { jvbHealthUrl: config.JVB_HEALTH_URL }),
    ...(config.JICOFO_HEALTH_URL && { jicofoHealthUrl: config.JICOFO_HEALTH_URL }),
    ...(config.JVB_STATS_URL && { jvbStatsUrl: config.JVB_STATS_URL, onJvbStats: recordJvbStats }),
    canary: configuredJwtCanary(),
  });
}
