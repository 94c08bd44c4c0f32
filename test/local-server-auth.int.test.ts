import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_BEARER_BYTES } from '../infra/local/authorizer';
import { freePort } from '../infra/local/dynamodb-local';
import { startLocalServer, type LocalServer } from '../infra/local/server';

// The local server plays API Gateway's JWT authorizer over real HTTP: what a client meets there.

let server: LocalServer;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'calls-auth-'));
  server = await startLocalServer({ PORT: String(await freePort()), DATA_DIR: dataDir, TABLE_NAME: 'auth-test' }, { log: () => undefined });
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function post(path: string, authorization: string, body: string, type = 'application/json') {
  const response = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization, 'content-type': type }, body });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
}

describe('local server authorization', () => {
  it('takes bearer and BEARER as the scheme', async () => {
    const token = await server.issuer.sign({ sub: 'ann' });
    for (const scheme of ['bearer', 'BEARER']) {
      expect((await post('/api/threads', `${scheme} ${token}`, '{"member_ids":["ben"]}')).status, scheme).toBe(201);
    }
  });

  it("answers a bearer over 16 KiB with the contract's 401 JSON, not Node's empty 431", async () => {
    const token = await server.issuer.sign({ sub: 'ann' });
    const huge = await post('/api/threads', `Bearer ${token}${'A'.repeat(MAX_BEARER_BYTES + 1024)}`, '{"member_ids":["ben"]}');
    expect(huge).toMatchObject({ status: 401, body: { error: 'unauthorized' } });
    expect(huge.type).toContain('application/json');
  });

  it('answers 415 to a JSON body sent as text/plain', async () => {
    const token = await server.issuer.sign({ sub: 'ann' });
    const response = await post('/api/threads', `Bearer ${token}`, '{"member_ids":["ben"]}', 'text/plain');
    expect(response).toMatchObject({ status: 415, body: { error: 'unsupported_media_type' } });
  });
});
