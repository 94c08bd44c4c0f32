// Post-deploy smoke test (the runbook's step): `npm run smoke -- <base URL> [bearer token]`.
// Without a token it checks the public routes; with one it also runs start → join → leave → end
// on a throwaway thread. It prints results, never the token.

export {};

const [baseUrl, bearer] = process.argv.slice(2);
if (!baseUrl) {
  console.error('usage: npm run smoke -- <base URL> [bearer token]');
  process.exit(2);
}

interface Step {
  name: string;
  ok: boolean;
  status: number;
  detail: string;
}
const steps: Step[] = [];

async function request(method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, baseUrl), {
    method,
    headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  let json: any;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: response.status, json };
}

async function step(name: string, run: () => Promise<{ status: number; ok: boolean; detail?: string }>) {
  try {
    const result = await run();
    steps.push({ name, ok: result.ok, status: result.status, detail: result.detail ?? '' });
  } catch (error) {
    steps.push({ name, ok: false, status: 0, detail: (error as Error).message });
  }
}

await step('GET /api/calls/config', async () => {
  const { status, json } = await request('GET', '/api/calls/config');
  return { status, ok: status === 200, detail: json ? `calls_enabled=${json.calls_enabled}` : '' };
});
await step('GET /api/openapi.json', async () => {
  const { status, json } = await request('GET', '/api/openapi.json');
  return { status, ok: status === 200 && json?.openapi === '3.1.0' };
});
for (const component of ['jitsi', 'coturn']) {
  await step(`GET /api/calls/health/${component}`, async () => {
    const { status, json } = await request('GET', `/api/calls/health/${component}`);
    const failed = (json?.checks ?? []).filter((check: { ok: boolean }) => !check.ok).map((check: { name: string }) => check.name);
    return { status, ok: status === 200, detail: `${json?.status ?? 'no body'}${failed.length ? ` (failed: ${failed.join(', ')})` : ''}` };
  });
}

if (bearer) {
  let threadId = '';
  let callId = '';
  await step('POST /api/threads', async () => {
    const { status, json } = await request('POST', '/api/threads', { title: 'smoke test', member_ids: ['smoke-test-peer'] });
    threadId = json?.thread_id ?? '';
    return { status, ok: status === 201 };
  });
  await step('POST /api/calls/start', async () => {
    const { status, json } = await request('POST', '/api/calls/start', { thread_id: threadId, call_type: 'audio' });
    callId = json?.call_id ?? '';
    return { status, ok: status === 201 && typeof json?.jitsi?.token === 'string', detail: json?.error ?? '' };
  });
  for (const action of ['join', 'token', 'leave', 'end'] as const) {
    await step(`POST /api/calls/{id}/${action}`, async () => {
      const { status, json } = await request('POST', `/api/calls/${callId}/${action}`);
      return { status, ok: status === 200, detail: json?.error ?? '' };
    });
  }
}

console.table(steps);
const failures = steps.filter((entry) => !entry.ok).length;
console.log(`${steps.length - failures} passed, ${failures} failed`);
process.exitCode = failures ? 1 : 0;
