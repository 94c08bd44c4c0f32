import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DescribeTableCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, localDynamoClient } from '../infra/local/dynamodb-local';
import {
  isAlive,
  killStartedDevServers,
  processesMentioning,
  spawnDevServer,
  startDevServer,
  waitFor,
  waitUntilNothingOutlives,
  startViaNpm,
  chainOf,
  devApi,
  devToken,
} from './support/dev-server';

// The local server crashing (SIGKILL), sharing a DATA_DIR, using an existing DynamoDB, and
// refusing a body that is too large: each through the real server process.

afterAll(killStartedDevServers);

const newDataDir = () => mkdtempSync(join(tmpdir(), 'calls-crash-'));

describe('a crashed server', () => {
  it('SIGKILL of the server takes DynamoDB Local with it, and the next start on the same DATA_DIR works', async () => {
    const dataDir = newDataDir();
    const server = await startViaNpm(dataDir);
    const chain = chainOf(server);
    process.kill(server.serverPid, 'SIGKILL');
    await waitUntilNothingOutlives(chain, dataDir, server.port);

    const restarted = await startViaNpm(dataDir);
    const restartedChain = chainOf(restarted);
    expect((await fetch(`${restarted.url}/api/calls/config`)).status).toBe(200);
    process.kill(restarted.child.pid as number, 'SIGTERM');
    await waitUntilNothingOutlives(restartedChain, dataDir, restarted.port);
  }, 180_000);

  it('a second server on the same DATA_DIR refuses to start, naming the running one, and starts no DynamoDB Local', async () => {
    const dataDir = newDataDir();
    const first = await startDevServer({ env: { PORT: String(await freePort()), DATA_DIR: dataDir } });
    const second = spawnDevServer({ env: { PORT: String(await freePort()), DATA_DIR: dataDir } });
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(`DATA_DIR=${dataDir} is in use by the local server with pid ${first.serverPid} (${first.url})`);
    expect(second.output()).not.toContain('DynamoDB Local (pid');
    expect(processesMentioning(dataDir)).toEqual([first.dynamoDbPid]);
    expect((await fetch(`${first.url}/api/calls/config`)).status).toBe(200);
    process.kill(first.serverPid, 'SIGTERM');
    expect(await first.exited).toBe(0);
    await waitFor(() => !isAlive(first.dynamoDbPid as number), 20_000);
  }, 120_000);

  it('keeps every call start it answered 201 when the server is SIGKILLed right after (20 concurrent starts)', async () => {
    const dataDir = newDataDir();
    const port = String(await freePort());
    const server = await startDevServer({ env: { PORT: port, DATA_DIR: dataDir } });
    const alice = await devToken(server, 'alice');
    const threads = await Promise.all(
      Array.from({ length: 20 }, () => devApi(server, 'POST', '/api/threads', alice, { title: 'crash', member_ids: ['bob'] })),
    );
    const starts = await Promise.all(
      threads.map((thread) => devApi(server, 'POST', '/api/calls/start', alice, { thread_id: thread.body.thread_id, call_type: 'audio' })),
    );
    process.kill(server.serverPid, 'SIGKILL');
    expect(starts.map((start) => start.status)).toEqual(Array(20).fill(201));
    await waitFor(() => !isAlive(server.dynamoDbPid as number) && !isAlive(server.serverPid), 20_000);

    const restarted = await startDevServer({ env: { PORT: port, DATA_DIR: dataDir } });
    try {
      const logs = await Promise.all(starts.map((start) => devApi(restarted, 'GET', `/api/calls/${start.body.call_id}/log`, alice)));
      expect(logs.map((log) => log.status)).toEqual(Array(20).fill(200));
      expect(logs.map((log) => log.body.status)).toEqual(Array(20).fill('active'));
    } finally {
      process.kill(restarted.serverPid, 'SIGTERM');
      await waitUntilNothingOutlives([restarted.serverPid, restarted.dynamoDbPid as number], dataDir, restarted.port);
    }
  }, 180_000);
});

describe('with DYNAMODB_ENDPOINT set', () => {
  it('uses that DynamoDB, starts no DynamoDB Local, and answers a body over 1 MiB with 413 before closing', async () => {
    const dataDir = newDataDir();
    const endpoint = inject('dynamodbEndpoint');
    const tableName = `dev-endpoint-${Date.now()}`;
    const server = await startDevServer({
      env: { PORT: String(await freePort()), DATA_DIR: dataDir, DYNAMODB_ENDPOINT: endpoint, TABLE_NAME: tableName },
    });
    try {
      expect(server.output()).toContain(`DynamoDB at DYNAMODB_ENDPOINT=${endpoint} (not started by this server)`);
      expect(server.dynamoDbPid).toBeUndefined();
      expect(processesMentioning(dataDir)).toEqual([]);
      const table = await localDynamoClient(endpoint).send(new DescribeTableCommand({ TableName: tableName }));
      expect(table.Table?.TableStatus).toBe('ACTIVE');
      const alice = await devToken(server, 'alice');
      expect((await devApi(server, 'POST', '/api/threads', alice, { title: 'x', member_ids: ['bob'] })).status).toBe(201);

      const tooLarge = await fetch(`${server.url}/api/threads`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${alice}` },
        body: 'x'.repeat(2 * 1024 * 1024),
      });
      expect(tooLarge.status).toBe(413);
      expect(await tooLarge.json()).toEqual({ error: 'payload_too_large', message: 'The body is larger than 1 MiB.' });

      // A raw client that keeps sending after the answer still reads the 413, then sees the connection close.
      const raw = await new Promise<{ response: string; closedByServer: boolean }>((resolve, reject) => {
        const socket = connect({ host: '127.0.0.1', port: server.port });
        let response = '';
        socket.on('data', (chunk: Buffer) => (response += chunk.toString()));
        socket.on('end', () => resolve({ response, closedByServer: true }));
        socket.on('error', reject);
        socket.on('connect', () => {
          const size = 3 * 1024 * 1024;
          socket.write(
            `POST /api/threads HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${size}\r\n\r\n`,
          );
          socket.write(Buffer.alloc(size, 'x'));
        });
      });
      expect(raw.closedByServer).toBe(true);
      expect(raw.response).toMatch(/^HTTP\/1\.1 413 /);
      expect(raw.response).toContain('"error":"payload_too_large"');
    } finally {
      process.kill(server.serverPid, 'SIGTERM');
    }
    expect(await server.exited).toBe(0);
    // The DynamoDB it was given is not its own to stop.
    expect((await localDynamoClient(endpoint).send(new DescribeTableCommand({ TableName: tableName }))).Table?.TableName).toBe(tableName);
  }, 120_000);
});
