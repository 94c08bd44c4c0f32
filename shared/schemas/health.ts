import * as z from 'zod/mini';

// Schemas are z.lazy, built on first parse (why: shared/schemas/calls.ts).

// GET /api/calls/health/{jitsi,coturn} (../shared/API.md, "Health, config, docs"). The 503 answers
// carry this same body (status down or unknown); the document generator lists only error bodies
// under 503, so the description says it.

export const ProbeCheckSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    name: z.string(),
    ok: z.boolean(),
    latency_ms: z.number(),
    /** A readable reason; never a secret, credential, URL or IP address. */
    detail: z.string(),
  }),
);

/** What the scheduled probes store: also read back through this schema, so a bad item is caught. */
export const StoredProbeResultSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    component: z.enum(['jitsi', 'coturn']),
    status: z.enum(['ok', 'degraded', 'down']),
    checked_at: z.string(),
    latency_ms: z.number(),
    checks: z.array(ProbeCheckSchema),
  }),
);

export const HealthSchema = /* @__PURE__ */ z.lazy(() =>
  z
    .object({
      component: z.enum(['jitsi', 'coturn']),
      status: z.enum(['ok', 'degraded', 'down', 'unknown']),
      /** null when no probe result exists; the stale result's time when it is too old. */
      checked_at: z.nullable(z.string()),
      latency_ms: z.nullable(z.number()),
      checks: z.array(ProbeCheckSchema),
      /** Only with status unknown: why there is no current result. */
      detail: z.optional(z.string()),
    })
    .check(
      z.describe(
        '200 with status ok or degraded. 503 with this same body and status down (the last probe failed: see the failed checks) ' +
          'or unknown (no result, or one older than three PROBE_INTERVAL_SECONDS periods: checked_at is then null or the stale ' +
          'time, checks empty); 503 answers carry Retry-After. A 503 with the error body dependency_unavailable means the table could not be read.',
      ),
    ),
);

export type Health = z.output<typeof HealthSchema>;
