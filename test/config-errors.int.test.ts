import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

// A bad variable stops `npm run dev` at once with one readable line, before DynamoDB Local starts.
const dataDir = mkdtempSync(join(tmpdir(), 'calls-config-errors-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function startServer(env: Record<string, string>) {
  return spawnSync(process.execPath, ['--import', 'tsx', 'infra/local/server.ts'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: dataDir, ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
}

describe('local server configuration errors', () => {
  it('names PORT and its valid values instead of printing zod JSON', () => {
    const result = startServer({ PORT: 'x' });
    expect(result.status).toBe(1);
    expect(result.stderr.trim()).toBe(
      'Could not start the local server: Invalid configuration: PORT must be an integer from 1 to 65535; got "x"',
    );
  });

  it('refuses port 0, naming the range', () => {
    const result = startServer({ PORT: '0' });
    expect(result.stderr).toContain('PORT must be an integer from 1 to 65535; got "0"');
    expect(result.stderr).not.toContain('"code"');
  });
});
