import { performance } from 'node:perf_hooks';

// A bounded join storm against the LOCAL server only: `npm run load -- [students] [concurrency]`.
// It makes a thread with N members, starts a call and has every member join and leave, then
// prints latency percentiles. It refuses any base URL that is not loopback.

const baseUrl = process.env.LOAD_BASE_URL ?? 'http://127.0.0.1:3000';
const students = Math.min(Number(process.argv[2] ?? 200), 2000);
const concurrency = Math.min(Number(process.argv[3] ?? 20), 100);
const host = new URL(baseUrl).hostname;
if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
  console.error('load only targets a local server on loopback');
  process.exit(2);
}

async function post(path: string, token: string | undefined, body?: unknown) {
  const started = performance.now();
  const response = await fetch(new URL(path, baseUrl), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const json = (await response.json().catch(() => undefined)) as any;
  return { status: response.status, json, ms: performance.now() - started };
}

const token = async (sub: string) => (await post('/_local/token', undefined, { sub })).json.token as string;
const memberIds = Array.from({ length: students }, (_, index) => `load-${index}`);
const owner = await token('load-owner');
const tokens = await Promise.all(memberIds.map(token));
const members = memberIds.slice(0, 199);
const thread = await post('/api/threads', owner, { title: 'load', member_ids: members });
for (let index = 199; index < memberIds.length; index += 1) {
  await fetch(new URL(`/api/threads/${thread.json.thread_id}/members/${memberIds[index]}`, baseUrl), {
    method: 'PUT',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${owner}` },
    body: JSON.stringify({ role: 'member' }),
  });
}
const start = await post('/api/calls/start', owner, { thread_id: thread.json.thread_id, call_type: 'video' });
const callId = start.json.call_id as string;

async function storm(action: 'join' | 'leave') {
  const latencies: number[] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < tokens.length) {
        const index = next++;
        const result = await post(`/api/calls/${callId}/${action}`, tokens[index]);
        latencies.push(result.ms);
        statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
      }
    }),
  );
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  const at = (p: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0);
  return {
    action,
    requests: latencies.length,
    'req/s': Math.round((latencies.length / elapsed) * 1000),
    'p50 ms': at(0.5),
    'p99 ms': at(0.99),
    statuses: JSON.stringify(Object.fromEntries(statuses)),
  };
}

console.table([await storm('join'), await storm('leave')]);
await post(`/api/calls/${callId}/end`, owner);
