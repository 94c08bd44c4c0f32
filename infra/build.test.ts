import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildBundles, buildFailed, bundleTargets, formatReport, readsSecrets, type BundleResult } from './build';
import { routes } from './routes';
import { schedules } from './schedules';

let root: string;
let outDir: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'jitsi-calls-build-'));
  outDir = join(root, 'dist');
  mkdirSync(join(root, 'functions'), { recursive: true });
  // A CommonJS dependency that requires a Node built-in: what the AWS SDK does inside an ESM bundle.
  writeFileSync(join(root, 'functions', 'legacy.cjs'), "module.exports = { eol: require('node:os').EOL };\n");
  writeFileSync(
    join(root, 'functions', 'ok.ts'),
    "import legacy from './legacy.cjs';\nexport const handler = async (): Promise<{ statusCode: number; body: string }> => ({ statusCode: 200, body: JSON.stringify({ eol: legacy.eol }) });\n",
  );
  writeFileSync(
    join(root, 'functions', 'big.ts'),
    `const payload = ${JSON.stringify('x'.repeat(20_000))};\nexport const handler = async () => payload;\n`,
  );
});

const find = (results: BundleResult[], id: string) => results.find((result) => result.id === id)!;

describe('npm run build', () => {
  it('bundles every route and scheduled job, each under its operation id', () => {
    expect(bundleTargets().map((target) => target.id)).toEqual([...routes, ...schedules].map((entry) => entry.id));
  });

  it('writes a minified ESM bundle with a source map that runs on Node, CommonJS requires included', async () => {
    const results = await buildBundles({ root, outDir, targets: [{ id: 'things.ok', entry: 'functions/ok.ts' }] });
    expect(find(results, 'things.ok').status).toBe('ok');
    expect(buildFailed(results)).toBe(false);
    const bundle = join(outDir, 'things.ok', 'index.mjs');
    expect(readFileSync(bundle, 'utf8')).toContain('sourceMappingURL=index.mjs.map');
    expect(JSON.parse(readFileSync(`${bundle}.map`, 'utf8')).version).toBe(3);
    const { handler } = (await import(pathToFileURL(bundle).href)) as { handler: () => Promise<{ statusCode: number; body: string }> };
    await expect(handler()).resolves.toMatchObject({ statusCode: 200 });
  });

  it('reports a missing handler entry by operation id and path, and fails', async () => {
    const results = await buildBundles({ root, outDir, targets: [{ id: 'calls.missing', entry: 'functions/calls/missing.ts' }] });
    expect(find(results, 'calls.missing')).toMatchObject({
      status: 'missing-entry',
      error: 'entry functions/calls/missing.ts does not exist',
    });
    expect(buildFailed(results)).toBe(true);
    const report = formatReport(results);
    expect(report).toMatch(/^calls\.missing\s+-\s+-\s+MISSING ENTRY$/m);
    expect(report).toContain('calls.missing: entry functions/calls/missing.ts does not exist');
  });

  it('fails a bundle over the budget and says so in the size table', async () => {
    const results = await buildBundles({
      root,
      outDir,
      budgetKb: 10,
      targets: [
        { id: 'things.big', entry: 'functions/big.ts' },
        { id: 'things.ok', entry: 'functions/ok.ts' },
      ],
    });
    expect(find(results, 'things.big').status).toBe('over-budget');
    expect(find(results, 'things.ok').status).toBe('ok');
    expect(buildFailed(results)).toBe(true);
    expect(formatReport(results, 10)).toMatch(/things\.big\s+19\.\d KB .*OVER BUDGET \(10 KB\)/);
  });

  it('leaves the Secrets Manager client out of a function whose access declares no secrets, and keeps it where it does', async () => {
    const wanted = new Set(['calls.join', 'calls.leave']);
    const targets = bundleTargets().filter((target) => wanted.has(target.id));
    expect(targets.map((target) => [target.id, readsSecrets(target)])).toEqual([
      ['calls.join', true],
      ['calls.leave', false],
    ]);
    const results = await buildBundles({ outDir, targets });
    expect(buildFailed(results)).toBe(false);
    const code = (id: string) => readFileSync(join(outDir, id, 'index.mjs'), 'utf8');
    expect(code('calls.join')).toContain('GetSecretValue');
    expect(code('calls.join')).not.toContain('declares no secrets');
    expect(code('calls.leave')).not.toContain('GetSecretValue');
    expect(code('calls.leave')).toContain('declares no secrets');
    // A target without declared access (the webhook deliverer) keeps the client.
    expect(readsSecrets({ id: 'webhooks.deliver', entry: 'functions/webhooks/deliver.ts' })).toBe(true);
  });

  it('reports a bundle that does not compile as failed', async () => {
    writeFileSync(join(root, 'functions', 'broken.ts'), "import { nothing } from './does-not-exist';\nexport const handler = nothing;\n");
    const results = await buildBundles({ root, outDir, targets: [{ id: 'things.broken', entry: 'functions/broken.ts' }] });
    expect(find(results, 'things.broken')).toMatchObject({ status: 'failed', error: expect.stringContaining('does-not-exist') });
  });
});
