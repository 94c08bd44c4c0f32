import type { Context, ScheduledEvent } from 'aws-lambda';
import { logger } from '../observability/logger';
import { recordProbeHealthy, recordProbeMetrics } from './metrics';
import { saveProbeResult } from './store';
import type { ProbeComponent, ProbeResult, ProbeStatus } from './types';

export interface ProbeRunSummary {
  component: ProbeComponent;
  status: ProbeStatus;
  stored: boolean;
}

/**
 * A scheduled probe function: run, emit metrics, store, log. The probe itself never throws
 * (a failed check is a result); a failure around it (the TURN secret unreadable, the table
 * unwritable) counts as unhealthy and fails the invocation, so the function's Errors alarm sees it.
 */
export function scheduledProbe(component: ProbeComponent, probe: () => Promise<ProbeResult>) {
  return async (_event: ScheduledEvent, _context?: Context): Promise<ProbeRunSummary> => {
    let result: ProbeResult;
    try {
      result = await probe();
    } catch (error) {
      recordProbeHealthy(component, false);
      logger.error('probe could not run', { component, error });
      throw error;
    }
    recordProbeMetrics(result);
    const stored = await saveProbeResult(result);
    const failed = result.checks.filter((check) => !check.ok).map(({ name, detail }) => ({ name, detail }));
    // Details are written (and scrubbed) to carry no secret or address: safe to log.
    const fields = { component, status: result.status, latency_ms: result.latency_ms, failed_checks: failed, stored };
    if (result.status === 'ok') logger.info('probe', fields);
    else logger.warn('probe', fields);
    return { component, status: result.status, stored };
  };
}
