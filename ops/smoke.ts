import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';

// Post-deploy smoke test (the runbook's step). The bearer never goes on argv: npm echoes the
// command line, and shells keep it in their history.

export const USAGE = `usage: npm run smoke -- <API URL>      a deployed stage
       npm run smoke -- --local [--url <URL>]   the local server (default http://127.0.0.1:\${PORT:-3000})
Deployed, the public routes always run; start -> join -> token -> leave -> end on a throwaway
thread also runs with a bearer from SMOKE_BEARER, or from SMOKE_TOKEN_COMMAND (a shell command
that prints one). Locally the tool takes its own tokens from /_local/token.`;

export interface SmokeOptions {
  url: URL;
  local: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseSmokeArgs(argv: readonly string[], env: Record<string, string | undefined>): SmokeOptions {
  let local = false;
  let url: string | undefined;
  const positional: string[] = [];
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    if (arg === '--local') local = true;
    else if (arg === '--url') {
      url = argv[index + 1];
      index += 1;
      if (!url) throw new UsageError('--url needs a value');
    } else if (arg.startsWith('--')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (positional.length > 1) {
    throw new UsageError('a bearer token never goes on the command line (npm echoes it): set SMOKE_BEARER or SMOKE_TOKEN_COMMAND');
  }
  const raw = url ?? positional[0] ?? (local ? `http://127.0.0.1:${env.PORT || 3000}` : undefined);
  if (!raw) throw new UsageError('give the API URL, or --local');
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new UsageError(`not a URL: ${JSON.stringify(raw)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new UsageError('the API URL must be http or https');
  return { url: parsed, local };
}

export interface Step {
  name: string;
  ok: boolean;
  status: number;
  detail: string;
}

export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

function networkCode(error: unknown): string {
  if ((error as Error)?.name === 'TimeoutError') return 'timeout';
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return typeof code === 'string' ? code : 'network error';
}

async function request(url: URL, method: string, path: string, bearer?: string, body?: unknown) {
  const response = await fetch(new URL(path, url), {
    method,
    redirect: 'manual',
    headers: {
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(bearer ? { authorization: `Bearer ${bearer}` } : {}),
    },
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

function commandBearer(command: string): Promise<string> {
  return new Promise((resolveBearer, reject) => {
    execFile('sh', ['-c', command], { timeout: 30_000 }, (error, stdout) => {
      const value = stdout.trim();
      if (error || !value) reject(new UsageError(`SMOKE_TOKEN_COMMAND printed no token (exit ${error?.code ?? 0})`));
      else resolveBearer(value);
    });
  });
}

async function localToken(url: URL, sub: string): Promise<string> {
  const { status, json } = await request(url, 'POST', '/_local/token', undefined, { sub, name: sub });
  if (typeof json?.token !== 'string') {
    throw new UnreachableError(`${url.origin}/_local/token answered HTTP ${status}: --local needs the local server (npm run dev)`);
  }
  return json.token;
}

export async function runSmoke(options: SmokeOptions, env: Record<string, string | undefined>): Promise<Step[]> {
  const { url } = options;
  const steps: Step[] = [];
  const step = async (name: string, run: () => Promise<{ status: number; ok: boolean; detail?: string }>) => {
    try {
      const result = await run();
      steps.push({ name, ok: result.ok, status: result.status, detail: result.detail ?? '' });
    } catch (error) {
      steps.push({ name, ok: false, status: 0, detail: networkCode(error) });
    }
  };

  // Reachability first: one clear line rather than a table of failures.
  let config: Awaited<ReturnType<typeof request>>;
  try {
    config = await request(url, 'GET', '/api/calls/config');
  } catch (error) {
    throw new UnreachableError(`cannot reach ${url.origin} (${networkCode(error)})${options.local ? ': start it with npm run dev' : ''}`);
  }
  steps.push({
    name: 'GET /api/calls/config',
    ok: config.status === 200 && typeof config.json?.calls_enabled === 'boolean',
    status: config.status,
    detail: config.json ? `calls_enabled=${config.json.calls_enabled}` : 'no JSON body',
  });
  await step('GET /api/openapi.json', async () => {
    const { status, json } = await request(url, 'GET', '/api/openapi.json');
    return { status, ok: status === 200 && json?.openapi === '3.1.0', detail: json?.openapi ? `OpenAPI ${json.openapi}` : '' };
  });
  for (const component of ['jitsi', 'coturn']) {
    await step(`GET /api/calls/health/${component}`, async () => {
      const { status, json } = await request(url, 'GET', `/api/calls/health/${component}`);
      const failed = (json?.checks ?? []).filter((check: { ok: boolean }) => !check.ok).map((check: { name: string }) => check.name);
      const state = `${json?.status ?? 'no body'}${failed.length ? ` (failed: ${failed.join(', ')})` : ''}`;
      if (status === 200) return { status, ok: true, detail: state };
      // The local server has no Jitsi or coturn unless one is configured: its probes say down, as they should.
      if (options.local && status === 503 && (json?.status === 'down' || json?.status === 'unknown')) {
        return { status, ok: true, detail: `${state}: expected locally, no ${component} is running` };
      }
      return { status, ok: false, detail: state };
    });
  }

  let owner: string | undefined;
  let peer: string | undefined;
  const peerId = 'smoke-test-peer';
  if (options.local) {
    owner = await localToken(url, 'smoke-test-owner');
    peer = await localToken(url, peerId);
  } else if (env.SMOKE_BEARER) owner = env.SMOKE_BEARER;
  else if (env.SMOKE_TOKEN_COMMAND) owner = await commandBearer(env.SMOKE_TOKEN_COMMAND);
  if (!owner) return steps;

  let threadId = '';
  let callId = '';
  await step('POST /api/threads', async () => {
    const { status, json } = await request(url, 'POST', '/api/threads', owner, { title: 'smoke test', member_ids: [peerId] });
    threadId = json?.thread_id ?? '';
    return { status, ok: status === 201 && Boolean(threadId), detail: json?.error ?? '' };
  });
  await step('POST /api/calls/start', async () => {
    const { status, json } = await request(url, 'POST', '/api/calls/start', owner, { thread_id: threadId, call_type: 'audio' });
    callId = json?.call_id ?? '';
    return { status, ok: status === 201 && typeof json?.jitsi?.token === 'string', detail: json?.error ?? `room ${json?.room ?? ''}` };
  });
  // Locally a second user joins, refreshes and leaves; deployed the one smoke user does.
  const member = peer ?? owner;
  for (const action of ['join', 'token', 'leave'] as const) {
    await step(`POST /api/calls/{id}/${action}`, async () => {
      const { status, json } = await request(url, 'POST', `/api/calls/${encodeURIComponent(callId)}/${action}`, member);
      return { status, ok: status === 200, detail: json?.error ?? '' };
    });
  }
  await step('POST /api/calls/{id}/end', async () => {
    const { status, json } = await request(url, 'POST', `/api/calls/${encodeURIComponent(callId)}/end`, owner);
    return { status, ok: status === 200 && json?.status === 'ended', detail: json?.error ?? `status=${json?.status}` };
  });
  return steps;
}

export function formatSteps(steps: readonly Step[]): string {
  const width = Math.max(...steps.map((entry) => entry.name.length));
  return steps
    .map((entry) => `${entry.ok ? 'PASS' : 'FAIL'}  ${entry.name.padEnd(width)}  ${String(entry.status).padStart(3)}  ${entry.detail}`.trimEnd())
    .join('\n');
}

async function main(): Promise<void> {
  let options: SmokeOptions;
  try {
    options = parseSmokeArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`smoke: ${error.message}\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  try {
    const steps = await runSmoke(options, process.env);
    console.log(formatSteps(steps));
    const failures = steps.filter((entry) => !entry.ok).length;
    console.log(`${steps.length - failures} passed, ${failures} failed`);
    if (!options.local && !process.env.SMOKE_BEARER && !process.env.SMOKE_TOKEN_COMMAND) {
      console.log('public routes only: set SMOKE_BEARER or SMOKE_TOKEN_COMMAND to run a call too');
    }
    process.exitCode = failures ? 1 : 0;
  } catch (error) {
    if (!(error instanceof UnreachableError || error instanceof UsageError)) throw error;
    console.error(`smoke: ${error.message}`);
    process.exitCode = 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) console.log(USAGE);
  else await main();
}
