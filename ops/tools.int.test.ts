import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freePort } from '../infra/local/dynamodb-local';

// The ops commands as a user runs them: bad arguments and an unreachable server get one clear
// line on stderr and exit 2 (issue 15, item 15), never a table of zeros or a stack trace.

const ROOT = join(import.meta.dirname, '..');
const TSX = join(ROOT, 'node_modules', '.bin', 'tsx');

function run(script: string, args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(TSX, [join(ROOT, 'ops', script), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_NO_WARNINGS: '1', ...env },
    timeout: 60_000,
  });
  const lines = result.stderr.split('\n').filter((line) => line.trim() !== '');
  return { status: result.status, stdout: result.stdout, lines };
}

describe('npm run load', () => {
  it('refuses a bare word with one line and exit 2', () => {
    const { status, stdout, lines } = run('load.ts', ['abc']);
    expect(status).toBe(2);
    expect(lines).toEqual(['load: unknown argument "abc" (npm run load -- --help)']);
    expect(stdout).toBe('');
  });

  it.each([
    [['--rooms', '0', '--participants', '20'], '--rooms must be between 1 and 50'],
    [['--rooms', 'x', '--participants', '20'], '--rooms needs a whole number'],
    [['--rooms', '5'], '--rooms and --participants are required'],
    [['--rooms', '5', '--participants', '20', '--url', 'https://elsewhere.example'], 'refusing https://elsewhere.example'],
  ])('refuses %j with one line and exit 2', (args, words) => {
    const { status, lines } = run('load.ts', args);
    expect(status).toBe(2);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(words);
  });

  it('says in one line that nothing listens, and exits 2', async () => {
    const port = await freePort();
    const { status, stdout, lines } = run('load.ts', ['--rooms', '5', '--participants', '20', '--url', `http://127.0.0.1:${port}`]);
    expect(status).toBe(2);
    expect(lines).toEqual([`load: cannot reach http://127.0.0.1:${port} (ECONNREFUSED): start it with npm run dev, or pass --url`]);
    expect(stdout).toBe('');
  });
});

describe('npm run smoke', () => {
  it('refuses a bearer on the command line without echoing it', () => {
    const { status, stdout, lines } = run('smoke.ts', ['https://api.example.com', 'eyJ.secret.token']);
    expect(status).toBe(2);
    expect(lines[0]).toContain('never goes on the command line');
    expect(`${stdout}${lines.join('\n')}`).not.toContain('eyJ.secret.token');
  });

  it('says in one line that the local server is unreachable, and exits 2', async () => {
    const port = await freePort();
    const { status, lines } = run('smoke.ts', ['--local', '--url', `http://127.0.0.1:${port}`]);
    expect(status).toBe(2);
    expect(lines).toEqual([`smoke: cannot reach http://127.0.0.1:${port} (ECONNREFUSED): start it with npm run dev`]);
  });
});
