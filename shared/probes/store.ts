import { probeStore, type StoredProbeResult } from '../db/probes';
import type { ProbeComponent, ProbeResult } from './types';

// The last probe result per component (stored by shared/db/probes.ts).

/** Long enough to read what the last result said after an outage of the probes themselves. */
export const PROBE_RESULT_TTL_SECONDS = 3 * 24 * 3600;

export type { StoredProbeResult } from '../db/probes';

/** Stores a result unless a newer one is there already (a slow run must not overwrite a later one). */
export const saveProbeResult = (result: ProbeResult): Promise<boolean> =>
  probeStore.saveIfNewer(result, Math.floor(Date.parse(result.checked_at) / 1000) + PROBE_RESULT_TTL_SECONDS);

/** The stored result, `undefined` when there is none, `'unreadable'` when the item fails its schema. */
export const latestProbeResult = (component: ProbeComponent): Promise<StoredProbeResult | 'unreadable' | undefined> =>
  probeStore.latest(component);
