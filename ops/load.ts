import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

// Load across rooms: M thread calls with N members each; every member joins (arrivals spread
// over a ramp), refreshes its Jitsi token while in the call, and leaves near the end; then the
// owner ends the call. Prints p50/p95/p99 and error counts by code per operation.

export const USAGE = `usage: npm run load -- --rooms <M> --participants <N> [--duration <seconds>] [--url <API URL>] [--json]
  --rooms         calls to run at once (1-50)
  --participants  members per call, the initiator included (2-200)
  --duration      seconds each call lasts (5-3600, default 15)
  --url           API base URL (default http://127.0.0.1:\${PORT:-3000}, the local server)
  --json          print the results as JSON instead of the table
A loopback URL takes its tokens from the local server's /_local/token. Any other URL must equal
LOAD_TARGET_URL (the stage you mean to load) and needs LOAD_TOKEN_COMMAND: a shell command run
once per simulated user, with LOAD_USER_ID in its environment, that prints a bearer for that user.`;

export interface LoadOptions {
  rooms: number;
  participants: number;
  durationSeconds: number;
  url: URL;
  json: boolean;
  tokenCommand?: string;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function integerArg(name: string, value: string | undefined, min: number, max: number): number {
  if (value === undefined || !/^\d+$/.test(value)) throw new UsageError(`${name} needs a whole number (got ${value ?? 'nothing'})`);
  const number = Number(value);
  if (number < min || number > max) throw new UsageError(`${name} must be between ${min} and ${max} (got ${number})`);
  return number;
}

export function parseLoadArgs(argv: readonly string[], env: Record<string, string | undefined>): LoadOptions {
  const values = new Map<string, string | undefined>();
  let json = false;
  for (let index = 0; index < argv.length; index += 1) {
    const name = argv[index] as string;
    if (name === '--json') json = true;
    else if (['--rooms', '--participants', '--duration', '--url'].includes(name)) {
      values.set(name, argv[index + 1]);
      index += 1;
    } else throw new UsageError(`unknown argument ${JSON.stringify(name)}`);
  }
  if (!values.has('--rooms') || !values.has('--participants')) throw new UsageError('--rooms and --participants are required');
  const rooms = integerArg('--rooms', values.get('--rooms'), 1, 50);
  const participants = integerArg('--participants', values.get('--participants'), 2, 200);
  const durationSeconds = values.has('--duration') ? integerArg('--duration', values.get('--duration'), 5, 3600) : 15;
  const rawUrl = values.get('--url') ?? env.LOAD_TARGET_URL ?? `http://127.0.0.1:${env.PORT || 3000}`;
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new UsageError(`--url must be an http(s) URL (got ${JSON.stringify(rawUrl)})`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--url must be http or https');
  if (LOOPBACK.has(url.hostname)) return { rooms, participants, durationSeconds, url, json };
  // Never load a host by accident: only the stage named in LOAD_TARGET_URL, and only with real tokens.
  const target = env.LOAD_TARGET_URL ? new URL(env.LOAD_TARGET_URL) : undefined;
  if (!target || target.origin !== url.origin) {
    throw new UsageError(`refusing ${url.origin}: only loopback or the configured LOAD_TARGET_URL may be loaded`);
  }
  if (!env.LOAD_TOKEN_COMMAND) throw new UsageError(`${url.origin} is not the local server: set LOAD_TOKEN_COMMAND`);
  return { rooms, participants, durationSeconds, url, json, tokenCommand: env.LOAD_TOKEN_COMMAND };
}

export const OPERATIONS = ['threads.create', 'calls.start', 'calls.join', 'calls.token', 'calls.leave', 'calls.end'] as const;
type Operation = (typeof OPERATIONS)[number];

interface Sample {
  ms: number;
  /** Undefined for a success; otherwise the contract's error code, `HTTP <status>` or the network error code. */
  error?: string;
}

export interface OperationSummary {
  operation: Operation;
  requests: number;
  ok: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  errors: Record<string, number>;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1));
  return Math.round(sorted[index] as number);
}

export function summarize(samples: ReadonlyMap<Operation, Sample[]>): OperationSummary[] {
  return OPERATIONS.map((operation) => {
    const list = samples.get(operation) ?? [];
    const sorted = list.map((sample) => sample.ms).sort((a, b) => a - b);
    const errors: Record<string, number> = {};
    for (const sample of list) if (sample.error) errors[sample.error] = (errors[sample.error] ?? 0) + 1;
    return {
      operation,
      requests: list.length,
      ok: list.filter((sample) => !sample.error).length,
      p50_ms: percentile(sorted, 0.5),
      p95_ms: percentile(sorted, 0.95),
      p99_ms: percentile(sorted, 0.99),
      errors,
    };
  });
}

/** The server could not be reached at all: exit 2 with one line, not a table of zeros. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

function networkCode(error: unknown): string {
  if ((error as Error)?.name === 'TimeoutError') return 'timeout';
  const cause = (error as { cause?: { code?: unknown } })?.cause;
  return typeof cause?.code === 'string' ? cause.code : 'network_error';
}

export async function preflight(url: URL): Promise<void> {
  let response: Response;
  try {
    response = await fetch(new URL('/api/calls/config', url), { signal: AbortSignal.timeout(5000), redirect: 'manual' });
  } catch (error) {
    const hint = LOOPBACK.has(url.hostname) ? ': start it with npm run dev, or pass --url' : '';
    throw new UnreachableError(`cannot reach ${url.origin} (${networkCode(error)})${hint}`);
  }
  const body = (await response.json().catch(() => undefined)) as { calls_enabled?: unknown } | undefined;
  if (response.status !== 200 || typeof body?.calls_enabled !== 'boolean') {
    throw new UnreachableError(`${url.origin} answered GET /api/calls/config with HTTP ${response.status}: is it this API?`);
  }
  if (!body.calls_enabled) throw new UnreachableError(`${url.origin} has calls switched off (calls_enabled: false)`);
}

interface Runner {
  request(operation: Operation | undefined, method: string, path: string, token: string, body?: unknown): Promise<any>;
  token(userId: string): Promise<string>;
  samples: Map<Operation, Sample[]>;
  inFlight: { joined: number; failed: number };
}

function runner(options: LoadOptions): Runner {
  const samples = new Map<Operation, Sample[]>();
  const record = (operation: Operation, sample: Sample) => samples.set(operation, [...(samples.get(operation) ?? []), sample]);
  const request: Runner['request'] = async (operation, method, path, token, body) => {
    const started = performance.now();
    try {
      const response = await fetch(new URL(path, options.url), {
        method,
        // A redirect could lead elsewhere: the target is the one checked above, nothing else.
        redirect: 'manual',
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(15_000),
      });
      const json = (await response.json().catch(() => undefined)) as { error?: unknown } | undefined;
      const ms = performance.now() - started;
      const error = response.ok ? undefined : typeof json?.error === 'string' ? json.error : `HTTP ${response.status}`;
      if (operation) record(operation, { ms, ...(error && { error }) });
      return response.ok ? json : undefined;
    } catch (error) {
      if (operation) record(operation, { ms: performance.now() - started, error: networkCode(error) });
      return undefined;
    }
  };
  const token = async (userId: string): Promise<string> => {
    if (options.tokenCommand) {
      const command = options.tokenCommand;
      return new Promise((resolveToken, reject) => {
        execFile('sh', ['-c', command], { env: { ...process.env, LOAD_USER_ID: userId }, timeout: 30_000 }, (error, stdout) => {
          const value = stdout.trim();
          if (error || !value) reject(new UnreachableError(`LOAD_TOKEN_COMMAND failed for ${userId} (exit ${error?.code ?? 0})`));
          else resolveToken(value);
        });
      });
    }
    const response = await fetch(new URL('/_local/token', options.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: userId, name: userId }),
      signal: AbortSignal.timeout(15_000),
    }).catch((error: unknown) => {
      throw new UnreachableError(`cannot reach ${options.url.origin}/_local/token (${networkCode(error)})`);
    });
    const json = (await response.json().catch(() => undefined)) as { token?: unknown } | undefined;
    if (typeof json?.token !== 'string') {
      throw new UnreachableError(`${options.url.origin}/_local/token answered HTTP ${response.status}: is it the local server (npm run dev)?`);
    }
    return json.token;
  };
  return { request, token, samples, inFlight: { joined: 0, failed: 0 } };
}

const jitter = (from: number, to: number) => from + Math.random() * (to - from);

async function runRoom(run: Runner, options: LoadOptions, room: number, runId: string, tokens: Map<string, string>): Promise<void> {
  const userIds = Array.from({ length: options.participants }, (_, index) => `load-${runId}-r${room}-p${index}`);
  const [ownerId, ...memberIds] = userIds as [string, ...string[]];
  const owner = tokens.get(ownerId) as string;
  const thread = await run.request('threads.create', 'POST', '/api/threads', owner, { title: `load ${runId} room ${room}`, member_ids: memberIds });
  if (!thread?.thread_id) return;
  const call = await run.request('calls.start', 'POST', '/api/calls/start', owner, { thread_id: thread.thread_id, call_type: 'video' });
  if (!call?.call_id) return;
  const callPath = `/api/calls/${encodeURIComponent(call.call_id)}`;
  const durationMs = options.durationSeconds * 1000;
  const roomStarted = performance.now();
  const rampMs = Math.min(durationMs * 0.3, 10_000);

  await Promise.all(
    memberIds.map(async (userId) => {
      const token = tokens.get(userId) as string;
      await sleep(jitter(0, rampMs));
      const joined = await run.request('calls.join', 'POST', `${callPath}/join`, token);
      if (!joined) {
        run.inFlight.failed += 1;
        return;
      }
      run.inFlight.joined += 1;
      const leaveAt = roomStarted + jitter(durationMs * 0.85, durationMs);
      // Jitsi asks for a fresh token when it must reconnect after expiry: once mid-stay, then per lifetime.
      const lifetimeMs = Math.max(10_000, Date.parse(joined.jitsi?.token_expires_at ?? '') - Date.now() - 5_000 || 50_000);
      let nextRefresh = performance.now() + Math.min((leaveAt - performance.now()) / 2, lifetimeMs);
      while (nextRefresh < leaveAt) {
        await sleep(Math.max(0, nextRefresh - performance.now()));
        await run.request('calls.token', 'POST', `${callPath}/token`, token);
        nextRefresh += lifetimeMs;
      }
      await sleep(Math.max(0, leaveAt - performance.now()));
      await run.request('calls.leave', 'POST', `${callPath}/leave`, token);
      run.inFlight.joined -= 1;
    }),
  );
  await run.request('calls.end', 'POST', `${callPath}/end`, owner);
}

export async function runLoad(options: LoadOptions, progress: (line: string, final?: boolean) => void): Promise<OperationSummary[]> {
  await preflight(options.url);
  progress(`${options.rooms} calls x ${options.participants} members for ${options.durationSeconds}s against ${options.url.origin}`, true);
  const run = runner(options);
  const runId = randomBytes(3).toString('hex');
  const userIds = Array.from({ length: options.rooms }, (_, room) =>
    Array.from({ length: options.participants }, (_, index) => `load-${runId}-r${room}-p${index}`),
  ).flat();
  const tokens = new Map<string, string>();
  for (let index = 0; index < userIds.length; index += 20) {
    const batch = userIds.slice(index, index + 20);
    const minted = await Promise.all(batch.map((userId) => run.token(userId)));
    batch.forEach((userId, position) => tokens.set(userId, minted[position] as string));
  }

  const started = performance.now();
  const ticker = setInterval(() => {
    const done = [...run.samples.values()].reduce((sum, list) => sum + list.length, 0);
    const errors = [...run.samples.values()].flat().filter((sample) => sample.error).length;
    const elapsed = Math.round((performance.now() - started) / 1000);
    progress(`${elapsed}s  in calls ${run.inFlight.joined}  requests ${done}  errors ${errors}`);
  }, 1000);
  try {
    await Promise.all(Array.from({ length: options.rooms }, (_, room) => runRoom(run, options, room, runId, tokens)));
  } finally {
    clearInterval(ticker);
  }
  progress(`done in ${Math.round((performance.now() - started) / 1000)}s`, true);
  return summarize(run.samples);
}

export function formatTable(rows: readonly OperationSummary[]): string {
  const header = ['operation', 'requests', 'ok', 'p50 ms', 'p95 ms', 'p99 ms', 'errors by code'];
  const body = rows.map((row) => [
    row.operation,
    String(row.requests),
    String(row.ok),
    String(row.p50_ms),
    String(row.p95_ms),
    String(row.p99_ms),
    Object.entries(row.errors)
      .map(([code, count]) => `${code}: ${count}`)
      .join(', ') || '-',
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...body.map((cells) => (cells[column] as string).length)));
  const line = (cells: readonly string[]) => cells.map((cell, column) => cell.padEnd(widths[column] as number)).join('  ').trimEnd();
  return [line(header), line(widths.map((width) => '-'.repeat(width))), ...body.map(line)].join('\n');
}

async function main(): Promise<void> {
  let options: LoadOptions;
  try {
    options = parseLoadArgs(process.argv.slice(2), process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`load: ${error.message} (npm run load -- --help)`);
    process.exitCode = 2;
    return;
  }
  const interactive = Boolean(process.stderr.isTTY);
  let lastPrinted = 0;
  const progress = (line: string, final = false) => {
    if (interactive) process.stderr.write(`\r\x1b[2K${line}${final ? '\n' : ''}`);
    else if (final || performance.now() - lastPrinted >= 5000) {
      lastPrinted = performance.now();
      process.stderr.write(`${line}\n`);
    }
  };
  try {
    const rows = await runLoad(options, progress);
    console.log(options.json ? JSON.stringify({ ...options, url: options.url.origin, tokenCommand: undefined, operations: rows }, null, 2) : formatTable(rows));
    process.exitCode = rows.some((row) => row.ok < row.requests) ? 1 : 0;
  } catch (error) {
    if (!(error instanceof UnreachableError)) throw error;
    if (interactive) process.stderr.write('\n');
    console.error(`load: ${error.message}`);
    process.exitCode = 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes('--help') || process.argv.includes('-h')) console.log(USAGE);
  else await main();
}
