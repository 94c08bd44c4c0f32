import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { writeOnce } from './local-data';
import { localEventsSecret } from './secrets/local-system-key';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'calls-local-data-'));
  dirs.push(dir);
  return join(dir, 'data');
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('writeOnce', () => {
  it('keeps the first of racing writers, for every reader, owner-only and with no temporary file left', async () => {
    const dir = freshDir();
    const path = join(dir, 'key');
    await Promise.all(Array.from({ length: 20 }, (_, index) => writeOnce(path, `writer-${index}`)));
    expect(readFileSync(path, 'utf8')).toMatch(/^writer-\d+$/);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['key']);
    await writeOnce(path, 'later');
    expect(readFileSync(path, 'utf8')).not.toBe('later');
  });

  it('gives concurrent first uses of the local events secret one whole secret', async () => {
    const dataDir = freshDir();
    const secrets = await Promise.all(Array.from({ length: 20 }, () => localEventsSecret(dataDir)));
    expect(new Set(secrets).size).toBe(1);
    expect(secrets[0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });
});
