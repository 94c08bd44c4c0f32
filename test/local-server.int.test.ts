import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../infra/local/dynamodb-local';

// The runbook flow through `npm run dev`'s real HTTP interface, in a child process like a user runs it.

interface DevServer {
  url: string;
  dynamoDbPid: number;
  process: ChildProcess;
  output: () => string;
}

const running = new Set<ChildProcess>();

async function startDevServer(dataDir: string): Promise<DevServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/server.ts'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), DATA_DIR: dataDir, POWERTOOLS_METRICS_DISABLED: 'true' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const ready = await new Promise<{ url: string; pid: number }>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      const pid = /DynamoDB Local \(pid (\d+)\)/.exec(output)?.[1];
      if (url && pid) resolve({ url, pid: Number(pid) });
    });
    child.once('exit', (code) => reject(new Error(`dev server exited with ${code}:\n${output}`)));
  });
  return { url: ready.url, dynamoDbPid: ready.pid, process: child, output: () => output };
}

async function stopDevServer(server: DevServer): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => server.process.once('exit', (code) => resolve(code)));
  server.process.kill('SIGTERM');
  const code = await exited;
  running.delete(server.process);
  return code;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

async function api(server: DevServer, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

describe('npm run dev', () => {
  it('serves the runbook flow over HTTP, keeps data across a restart, and stops DynamoDB Local on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'calls-dev-'));
    const server = await startDevServer(dataDir);
    const token = async (sub: string) =>
      (await api(server, 'POST', '/_local/token', undefined, { sub, name: sub.toUpperCase() })).body.token as string;
    const alice = await token('alice');
    const bob = await token('bob');

    const thread = await api(server, 'POST', '/api/threads', alice, { title: 'Standup', member_ids: ['bob'] });
    expect(thread.status).toBe(201);
    const started = await api(server, 'POST', '/api/calls/start', alice, { thread_id: thread.body.thread_id, call_type: 'video' });
    expect(started.status).toBe(201);
    const callId = started.body.call_id as string;
    expect((await api(server, 'POST', `/api/calls/${callId}/join`, bob)).status).toBe(200);
    expect((await api(server, 'POST', `/api/calls/${callId}/leave`, bob)).status).toBe(200);
    const ended = await api(server, 'POST', `/api/calls/${callId}/end`, alice);
    expect(ended).toMatchObject({ status: 200, body: { status: 'ended' } });
    expect((await api(server, 'GET', '/api/calls/config')).status).toBe(200);
    expect((await api(server, 'GET', '/api/threads/x', 'not-a-token')).status).toBe(401);
    expect((await api(server, 'GET', '/api/nothing-here')).status).toBe(404);

    expect(await stopDevServer(server)).toBe(0);
    expect(isAlive(server.dynamoDbPid)).toBe(false);
    expect(server.output()).not.toContain(alice);

    const restarted = await startDevServer(dataDir);
    try {
      const log = await api(restarted, 'GET', `/api/calls/${callId}/log`, alice);
      expect(log.status).toBe(200);
      const { jitsi_meeting_ended: jitsiMeetingEnded, ...endedLog } = ended.body;
      expect(jitsiMeetingEnded).toBeNull();
      expect(log.body).toEqual(endedLog);
    } finally {
      await stopDevServer(restarted);
    }
    expect(isAlive(restarted.dynamoDbPid)).toBe(false);
  }, 120_000);
});
