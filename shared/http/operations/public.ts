import { CallsConfigSchema } from '../../schemas/calls';
import { HealthSchema } from '../../schemas/health';
import { operation } from '../contract';

const HEALTH_DOWN = { 503: { description: 'down, or unknown (no recent probe result)', response: HealthSchema } };

export const callsConfig = /* @__PURE__ */ operation('calls.config', {
  method: 'GET',
  path: '/api/calls/config',
  auth: 'public',
  access: {},
  summary: 'Whether calls are enabled, and the Jitsi server',
  status: 200,
  response: CallsConfigSchema,
  errors: [],
});

export const docsOpenapi = /* @__PURE__ */ operation('docs.openapi', {
  method: 'GET',
  path: '/api/openapi.json',
  auth: 'public',
  access: {},
  summary: 'This API as OpenAPI 3.1',
  status: 200,
  errors: [],
});

// The scheduled probes (infra/schedules.ts) write the results these routes read.
export const healthJitsi = /* @__PURE__ */ operation('health.jitsi', {
  method: 'GET',
  path: '/api/calls/health/jitsi',
  auth: 'public',
  access: { table: 'read' },
  summary: 'The last result of the Jitsi probe: 200 ok or degraded, 503 down or unknown',
  status: 200,
  response: HealthSchema,
  errors: [],
  alternate: HEALTH_DOWN,
});

export const healthCoturn = /* @__PURE__ */ operation('health.coturn', {
  method: 'GET',
  path: '/api/calls/health/coturn',
  auth: 'public',
  access: { table: 'read' },
  summary: 'The last result of the coturn probe: 200 ok or degraded, 503 down or unknown',
  status: 200,
  response: HealthSchema,
  errors: [],
  alternate: HEALTH_DOWN,
});

export const publicOperations = {
  'calls.config': callsConfig,
  'docs.openapi': docsOpenapi,
  'health.jitsi': healthJitsi,
  'health.coturn': healthCoturn,
} as const;
