import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../infra/local/dynamodb-local';
import {
  killStartedDevServers,
  processesMentioning,
  spawnDevServer,
  waitUntilNothingOutlives,
  startViaNpm,
  chainOf,
} from './support/dev-server';

// The local server's process life through `npm run dev`, with real signals: however it is
// stopped, nothing it started outlives it (npm, sh, node, DynamoDB Local's java, the port).

afterAll(killStartedDevServers);

const newDataDir = () => mkdtempSync(join(tmpdir(), 'calls-life-'));

describe('stopping npm run dev', () => {
  it('SIGTERM to npm stops sh, the server and DynamoDB Local, and frees the port', async () => {
    const dataDir = newDataDir();
    const server = await startViaNpm(dataDir);
    const chain = chainOf(server);
    expect(chain.length).toBeGreaterThanOrEqual(3);
    process.kill(server.child.pid as number, 'SIGTERM');
    await waitUntilNothingOutlives(chain, dataDir, server.port);
  }, 120_000);

  it('Ctrl-C (SIGINT to the foreground process group) stops everything', async () => {
    const dataDir = newDataDir();
    const server = await startViaNpm(dataDir);
    const chain = chainOf(server);
    process.kill(-(server.child.pid as number), 'SIGINT');
    await waitUntilNothingOutlives(chain, dataDir, server.port);
  }, 120_000);

  it('a closed terminal (SIGHUP to the group) stops everything', async () => {
    const dataDir = newDataDir();
    const server = await startViaNpm(dataDir);
    const chain = chainOf(server);
    process.kill(-(server.child.pid as number), 'SIGHUP');
    await waitUntilNothingOutlives(chain, dataDir, server.port);
  }, 120_000);

  it('SIGTERM to the server process stops DynamoDB Local and npm exits', async () => {
    const dataDir = newDataDir();
    const server = await startViaNpm(dataDir);
    const chain = chainOf(server);
    process.kill(server.serverPid, 'SIGTERM');
    await waitUntilNothingOutlives(chain, dataDir, server.port);
    expect(server.output()).toContain('SIGTERM: stopping (DynamoDB Local too)');
  }, 120_000);

  it('SIGTERM to DynamoDB Local stops the server (it cannot serve without it) and npm', async () => {
    const dataDir = newDataDir();
    const server = await startViaNpm(dataDir);
    const chain = chainOf(server);
    process.kill(server.dynamoDbPid as number, 'SIGTERM');
    await waitUntilNothingOutlives(chain, dataDir, server.port);
    expect(server.output()).toContain('DynamoDB Local exited unexpectedly');
    expect(await server.exited).not.toBe(0);
  }, 120_000);
});

describe('bad settings fail at once, named', () => {
  it('DATA_DIR=/proc/nope exits 1 naming DATA_DIR (no spin)', async () => {
    const started = Date.now();
    const dev = spawnDevServer({ env: { PORT: String(await freePort()), DATA_DIR: '/proc/nope' } });
    expect(await dev.exited).toBe(1);
    expect(dev.output()).toMatch(/Could not start the local server: DATA_DIR=\/proc\/nope cannot be used/);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('PORT in use exits 1 naming PORT, before DynamoDB Local starts', async () => {
    const blocker: Server = createServer();
    const port = await new Promise<number>((resolve) =>
      blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)),
    );
    try {
      const dataDir = newDataDir();
      const dev = spawnDevServer({ env: { PORT: String(port), DATA_DIR: dataDir } });
      expect(await dev.exited).toBe(1);
      expect(dev.output()).toContain(`Could not start the local server: PORT=${port} is already in use on 127.0.0.1`);
      expect(dev.output()).not.toContain('DynamoDB Local');
      expect(processesMentioning(dataDir)).toEqual([]);
    } finally {
      blocker.close();
    }
  }, 60_000);
});
