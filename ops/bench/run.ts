import { generateKeyPair, exportPKCS8 } from 'jose';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { coldStartReport } from './cold-start';

// `npm run bench`: speed and memory figures as tables. Targets live here, not in timed tests.
// Everything runs on this machine: DynamoDB Local on loopback, handlers in-process.

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (value: number) => Math.round(value * 100) / 100;

function summarize(name: string, samples: number[], targetP99Ms?: number) {
  const sorted = [...samples].sort((a, b) => a - b);
  const p99 = percentile(sorted, 99);
  return {
    operation: name,
    n: samples.length,
    'p50 ms': round(percentile(sorted, 50)),
    'p95 ms': round(percentile(sorted, 95)),
    'p99 ms': round(p99),
    ...(targetP99Ms === undefined ? {} : { 'target p99 ms': targetP99Ms, ok: p99 <= targetP99Ms ? 'yes' : 'NO' }),
  };
}

async function tokenBench() {
  const { mintJitsiToken, NO_FEATURES } = await import('../../shared/jitsi/token');
  const settings = { appId: 'bench', domain: 'jitsi.example', audience: 'jitsi', ttlSeconds: 60, jaas: false };
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const rsaPem = await exportPKCS8(privateKey);
  const rows = [];
  for (const [label, key] of [
    ['HS256', { alg: 'HS256' as const, secret: randomBytes(32).toString('hex') }],
    ['RS256', { alg: 'RS256' as const, privateKeyPem: rsaPem, kid: 'k1' }],
  ] as const) {
    const iterations = label === 'HS256' ? 5000 : 1000;
    await mintJitsiToken(
      { room: 'warm', user: { id: 'u' }, role: { kind: 'member', features: NO_FEATURES }, nowMs: Date.now() },
      settings,
      key,
    );
    const started = performance.now();
    for (let index = 0; index < iterations; index++) {
      await mintJitsiToken(
        {
          room: `room-${index}`,
          user: { id: `u${index}`, name: 'User' },
          role: { kind: 'member', features: NO_FEATURES },
          nowMs: Date.now(),
        },
        settings,
        key,
      );
    }
    const elapsed = performance.now() - started;
    rows.push({
      algorithm: label,
      tokens: iterations,
      'tokens/s': Math.round((iterations / elapsed) * 1000),
      'µs/token': round((elapsed / iterations) * 1000),
    });
  }
  return rows;
}

async function apiBench(options: { latency: boolean }) {
  const { startDynamoDbLocal, ensureTable, localDynamoClient } = await import('../../infra/local/dynamodb-local');
  const { localIssuer } = await import('../../infra/local/local-issuer');
  const { apiGatewayEvent } = await import('../../infra/local/api-event');
  const { routeById } = await import('../../infra/routes');
  const dynamoDb = await startDynamoDbLocal();
  try {
    const issuer = await localIssuer('urn:bench');
    const dataDir = mkdtempSync(join(tmpdir(), 'calls-bench-'));
    Object.assign(process.env, {
      STAGE: 'local',
      DYNAMODB_ENDPOINT: dynamoDb.endpoint,
      TABLE_NAME: 'bench',
      DATA_DIR: dataDir,
      EVENTS_MODE: 'local',
      JITSI_JWT_SECRET: randomBytes(32).toString('hex'),
      TURN_SECRET: randomBytes(24).toString('hex'),
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    await ensureTable(localDynamoClient(dynamoDb.endpoint), 'bench');
    const invoke = async (id: Parameters<typeof routeById>[0], sub: string, params: Record<string, string>, body?: unknown) => {
      const route = routeById(id);
      const { handler } = await import(`../../${route.entry}`);
      const rawPath = route.path.replace(/\{([a-z_]+)\}/g, (_: string, name: string) => params[name] ?? '');
      const token = await issuer.sign({ sub });
      const event = apiGatewayEvent(
        route,
        {
          method: route.method,
          rawPath,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          ...(body ? { body: JSON.stringify(body) } : {}),
        },
        params,
        { claims: { sub }, scopes: null },
      );
      const started = performance.now();
      const result = await handler(event, { getRemainingTimeInMillis: () => 30_000 });
      return {
        ms: performance.now() - started,
        status: result.statusCode as number,
        body: result.body ? JSON.parse(result.body) : undefined,
      };
    };

    const members = Array.from({ length: 50 }, (_, index) => `member${index}`);
    const samples: Record<string, number[]> = { 'calls.start': [], 'calls.join': [], 'calls.leave': [], 'calls.end': [] };
    // Round 0 warms the handlers up (module load, JWKS import) and is not counted.
    for (let round = 0; options.latency && round <= 20; round++) {
      const thread = await invoke('threads.create', 'owner', {}, { member_ids: members });
      const start = await invoke('calls.start', 'owner', {}, { thread_id: thread.body.thread_id, call_type: 'video' });
      const record = (operation: string, values: number[]) => round > 0 && samples[operation]?.push(...values);
      record('calls.start', [start.ms]);
      const callId = start.body.call_id as string;
      const joins = await Promise.all(members.slice(0, 10).map((sub) => invoke('calls.join', sub, { call_id: callId })));
      record(
        'calls.join',
        joins.map((join) => join.ms),
      );
      const leaves = await Promise.all(members.slice(0, 5).map((sub) => invoke('calls.leave', sub, { call_id: callId })));
      record(
        'calls.leave',
        leaves.map((leave) => leave.ms),
      );
      record('calls.end', [(await invoke('calls.end', 'owner', { call_id: callId })).ms]);
    }
    const memory = process.memoryUsage();
    const capacity = await (await import('./capacity')).capacityBench(invoke, dynamoDb.endpoint);
    return {
      capacity,
      latency: [
        summarize('calls.start', samples['calls.start'] ?? [], 250),
        summarize('calls.join (10 at once)', samples['calls.join'] ?? [], 250),
        summarize('calls.leave (5 at once)', samples['calls.leave'] ?? [], 250),
        summarize('calls.end', samples['calls.end'] ?? []),
      ],
      memory: [
        { 'rss MB': round(memory.rss / 2 ** 20), 'heap used MB': round(memory.heapUsed / 2 ** 20), 'target heap MB (128 MB Lambda)': 96 },
      ],
    };
  } finally {
    await dynamoDb.stop();
  }
}

// `npm run bench -- --cold-start`: only the cold-start table (a few minutes rather than the whole run).
// `npm run bench -- --capacity`: only the capacity tables (no token, latency or cold-start runs).
const capacityOnly = process.argv.includes('--capacity');
if (!process.argv.includes('--cold-start')) {
  if (!capacityOnly) {
    console.log('\nJitsi token minting (in-process)');
    console.table(await tokenBench());
  }
  const api = await apiBench({ latency: !capacityOnly });
  if (!capacityOnly) {
    console.log('\nHandlers against DynamoDB Local (in-process; DynamoDB Local is slower than DynamoDB, so these are upper bounds)');
    console.table(api.latency);
  }
  console.log(
    '\nCapacity per operation: RCU/WCU computed from item sizes by DynamoDB\'s billing rules (DynamoDB Local reports one figure, "Local CU", and bills no condition check)',
  );
  console.table(api.capacity.rows);
  console.log(`join into a 1,000-member thread / 10-member thread, capacity units: ${api.capacity.ratio}x (target ≤ 1.1x)`);
  console.table([api.capacity.crowd]);
  if (!capacityOnly) {
    console.log('\nMemory after the run');
    console.table(api.memory);
    console.log('\nBundle sizes per function: npm run build (fails over budget).');
  }
}
if (!capacityOnly) console.log(`\n${await coldStartReport()}`);
