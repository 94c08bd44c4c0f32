import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as pause } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../infra/local/dynamodb-local';
import { startCoturn } from './support/coturn';

// `npm run dev` pointed at a local coturn and a stand-in Jitsi front: the probes run at start
// through infra/local/jobs.ts and the health routes follow what they find.

const SECRET = 'local-probes-secret-8c21f0a9e4';
const WRONG_SECRET = 'local-probes-wrong-3b7d6c5e10';

interface DevServer {
  url: string;
  process: ChildProcess;
  output: () => string;
}

const running = new Set<ChildProcess>();
afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

async function startDevServer(env: Record<string, string>): Promise<DevServer> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/local/server.ts'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: String(port), POWERTOOLS_METRICS_DISABLED: 'true', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (found) resolve(found);
    });
    child.once('exit', (code) => reject(new Error(`dev server exited with ${code}:\n${output}`)));
  });
  return { url, process: child, output: () => output };
}

async function stopDevServer(server: DevServer): Promise<void> {
  const exited = new Promise((resolve) => server.process.once('exit', resolve));
  server.process.kill('SIGTERM');
  await exited;
  running.delete(server.process);
}

/** Polls a health route until its status is `want` or the deadline passes. */
interface HealthAnswer {
  status: number;
  body: { status?: string; checks?: { name: string; ok: boolean; detail: string }[] };
}

async function healthUntil(server: DevServer, component: string, want: string, deadlineMs = 15_000): Promise<HealthAnswer> {
  const deadline = performance.now() + deadlineMs;
  let last: HealthAnswer | undefined;
  while (performance.now() < deadline) {
    const response = await fetch(`${server.url}/api/calls/health/${component}`);
    const answer: HealthAnswer = { status: response.status, body: (await response.json()) as HealthAnswer['body'] };
    if (answer.body.status === want) return answer;
    last = answer;
    await pause(100);
  }
  throw new Error(`health/${component} never said ${want}; last answer ${JSON.stringify(last)}\n${server.output()}`);
}

async function standInFront() {
  let failing = false;
  const server = http.createServer((request, response) => {
    request.resume();
    const route = `${request.method} ${request.url?.split('?')[0]}`;
    const answer = (status: number, body = '') => response.writeHead(status).end(body);
    if (failing) return answer(502);
    if (route === 'GET /')
      return answer(200, '<html><script src="config.js"></script><script src="libs/app.bundle.min.js"></script></html>');
    if (route === 'GET /config.js') return answer(200, "var config = { hosts: { domain: 'meet.test' } };");
    if (route === 'POST /http-bind') return answer(200, "<body xmlns='http://jabber.org/protocol/httpbind' sid='s1'/>");
    return answer(404);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    fail: () => (failing = true),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('npm run dev with a local coturn and Jitsi stand-in', () => {
  it('reports coturn ok with the right secret and down with a wrong one, and follows the Jitsi front', async () => {
    const [coturn, front] = await Promise.all([startCoturn({ secret: SECRET }), standInFront()]);
    const dataDir = mkdtempSync(join(tmpdir(), 'calls-probes-'));
    const env = {
      DATA_DIR: dataDir,
      TURN_HOST: '127.0.0.1',
      TURN_PORT: String(coturn.port),
      JITSI_PUBLIC_URL: front.url,
      PROBE_INTERVAL_SECONDS: '10',
    };
    try {
      const server = await startDevServer({ ...env, TURN_SECRET: SECRET });
      try {
        expect((await healthUntil(server, 'coturn', 'ok')).status).toBe(200);
        expect((await healthUntil(server, 'jitsi', 'ok')).status).toBe(200);
      } finally {
        await stopDevServer(server);
      }
      expect(server.output()).not.toContain(SECRET);

      front.fail();
      const restarted = await startDevServer({ ...env, TURN_SECRET: WRONG_SECRET });
      try {
        const coturnDown = await healthUntil(restarted, 'coturn', 'down');
        expect(coturnDown.status).toBe(503);
        expect(coturnDown.body.checks?.find((check) => check.name === 'turn_allocate')?.detail).toMatch(
          /TURN rejected the credentials \(401\)/,
        );
        const jitsiDown = await healthUntil(restarted, 'jitsi', 'down');
        expect(jitsiDown.body.checks?.[0]).toMatchObject({ name: 'public_front', ok: false, detail: expect.stringContaining('HTTP 502') });
      } finally {
        await stopDevServer(restarted);
      }
      expect(restarted.output()).not.toContain(WRONG_SECRET);
    } finally {
      await Promise.all([coturn.stop(), front.close()]);
    }
  }, 120_000);
});
