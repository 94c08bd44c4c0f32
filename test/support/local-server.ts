import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../infra/local/dynamodb-local';
import { startLocalServer, type LocalServer } from '../../infra/local/server';

/**
 * The local server in this process, on a free port and its own DATA_DIR, against the suite's
 * DynamoDB Local; `stop` closes it and removes the directory.
 */
export async function startInProcessServer(name: string): Promise<{ server: LocalServer; stop: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), `calls-${name}-`));
  const server = await startLocalServer(
    {
      PORT: String(await freePort()),
      DATA_DIR: dataDir,
      TABLE_NAME: process.env.TABLE_NAME,
      DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT,
    },
    { log: () => undefined },
  );
  return {
    server,
    stop: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
