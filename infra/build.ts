// npm run build: one esbuild bundle per route and per scheduled job, in dist/<id>/index.mjs.
// The stack deploys exactly these directories, so the size checked here is the size deployed.

import { existsSync, rmSync, statSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, type Plugin } from 'esbuild';
import { routes, type RouteAccess } from './routes';
import { schedules } from './schedules';

export const DEFAULT_BUDGET_KB = 500;
export const BUNDLE_FILE = 'index.mjs';
export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const DIST_DIR = join(REPO_ROOT, 'dist');

export interface BundleTarget {
  readonly id: string;
  /** Relative to `root`, or absolute. */
  readonly entry: string;
  /** The function's grants: when given without secrets, the Secrets Manager client stays out of the bundle. */
  readonly access?: RouteAccess;
}

export type BundleResult =
  | { id: string; entry: string; status: 'ok' | 'over-budget'; bytes: number; gzipBytes: number }
  | { id: string; entry: string; status: 'missing-entry' | 'failed'; error: string };

export interface BuildOptions {
  readonly targets: readonly BundleTarget[];
  readonly root?: string;
  readonly outDir?: string;
  readonly budgetKb?: number;
}

/** Every function the stack deploys: one per route, one per scheduled job; ids must be unique. */
export function bundleTargets(): BundleTarget[] {
  const targets = [...routes, ...schedules].map(({ id, entry, access }) => ({ id, entry, access }));
  const seen = new Set<string>();
  for (const { id } of targets) {
    if (seen.has(id)) throw new Error(`Duplicate operation id ${id} across routes and schedules`);
    seen.add(id);
  }
  return targets;
}

/** The webhook delivery function: SQS-triggered, so neither a route nor a schedule. */
export const WEBHOOK_DELIVERY_BUNDLE: BundleTarget = { id: 'webhooks.deliver', entry: 'functions/webhooks/deliver.ts' };

/** The live channel's WebSocket routes, authorizer and fan-out: neither routes nor schedules either. */
export const LIVE_FUNCTIONS = {
  authorize: { id: 'live.authorize', entry: 'functions/live/authorize.ts' },
  connect: { id: 'live.connect', entry: 'functions/live/connect.ts' },
  disconnect: { id: 'live.disconnect', entry: 'functions/live/disconnect.ts' },
  message: { id: 'live.message', entry: 'functions/live/message.ts' },
  fanOut: { id: 'live.fan-out', entry: 'functions/live/fan-out.ts' },
} as const satisfies Record<string, BundleTarget>;

export const LIVE_BUNDLES: BundleTarget[] = Object.values(LIVE_FUNCTIONS).map(({ id, entry }) => ({ id, entry }));

/** The outbox relay: triggered by the table's stream. */
export const OUTBOX_RELAY_BUNDLE: BundleTarget = { id: 'events.relay', entry: 'functions/events/relay.ts' };

/** What a deploy needs: the routes and schedules, the webhook delivery, the outbox relay and the live channel functions. */
export function deployedBundleTargets(): BundleTarget[] {
  return [...bundleTargets(), WEBHOOK_DELIVERY_BUNDLE, OUTBOX_RELAY_BUNDLE, ...LIVE_BUNDLES];
}

const SECRETS_MANAGER_PROVIDER = join(REPO_ROOT, 'shared/secrets/secrets-manager-provider.ts');
const NO_SECRETS_MANAGER = join(REPO_ROOT, 'shared/secrets/no-secrets-manager.ts');

/** A function without a Secrets Manager grant bundles shared/secrets/no-secrets-manager.ts instead (13 KB of client less). */
const withoutSecretsManager: Plugin = {
  name: 'without-secrets-manager',
  setup(plugin) {
    plugin.onResolve({ filter: /secrets-manager-provider$/ }, (args) =>
      resolve(args.resolveDir, `${args.path}.ts`) === SECRETS_MANAGER_PROVIDER ? { path: NO_SECRETS_MANAGER } : undefined,
    );
  },
};

export const readsSecrets = (target: BundleTarget) => target.access === undefined || (target.access.secrets ?? []).length > 0;

export function bundleDir(id: string, outDir = DIST_DIR): string {
  return join(outDir, id);
}

export async function buildBundles(options: BuildOptions): Promise<BundleResult[]> {
  const root = options.root ?? REPO_ROOT;
  const outDir = options.outDir ?? DIST_DIR;
  const budgetBytes = (options.budgetKb ?? DEFAULT_BUDGET_KB) * 1024;

  return Promise.all(
    options.targets.map(async (target): Promise<BundleResult> => {
      const { id, entry } = target;
      const entryPath = resolve(root, entry);
      if (!existsSync(entryPath)) {
        return { id, entry, status: 'missing-entry', error: `entry ${entry} does not exist` };
      }
      const dir = bundleDir(id, outDir);
      rmSync(dir, { recursive: true, force: true });
      const outfile = join(dir, BUNDLE_FILE);
      try {
        await build({
          absWorkingDir: root,
          // Entries outside the repository (tests) still resolve the repository's dependencies.
          nodePaths: [join(root, 'node_modules')],
          entryPoints: [entryPath],
          outfile,
          bundle: true,
          platform: 'node',
          format: 'esm',
          target: 'node22',
          // No createRequire banner: esbuild turns CommonJS require() of Node built-ins (as in the
          // AWS SDK) into imports in ESM output; build.test.ts runs such a bundle to prove it.
          // Prefer ES module builds: they tree-shake (the AWS SDK ships both).
          mainFields: ['module', 'main'],
          alias: { '@aws-sdk/credential-provider-node': join(REPO_ROOT, 'shared/aws/lambda-credentials.ts') },
          minify: true,
          sourcemap: true,
          sourcesContent: false,
          legalComments: 'linked',
          logLevel: 'silent',
          plugins: readsSecrets(target) ? [] : [withoutSecretsManager],
        });
      } catch (error) {
        return { id, entry, status: 'failed', error: error instanceof Error ? error.message : String(error) };
      }
      const bytes = statSync(outfile).size;
      const gzipBytes = gzipSync(readFileSync(outfile)).length;
      return { id, entry, status: bytes > budgetBytes ? 'over-budget' : 'ok', bytes, gzipBytes };
    }),
  );
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function formatReport(results: readonly BundleResult[], budgetKb = DEFAULT_BUDGET_KB): string {
  const rows = results.map((result) =>
    'bytes' in result
      ? [result.id, kb(result.bytes), kb(result.gzipBytes), result.status === 'ok' ? 'ok' : `OVER BUDGET (${budgetKb} KB)`]
      : [result.id, '-', '-', result.status === 'missing-entry' ? 'MISSING ENTRY' : 'BUILD FAILED'],
  );
  const header = ['function', 'minified', 'gzip', 'status'];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const largest = Math.max(0, ...results.flatMap((result) => ('bytes' in result ? [result.bytes] : [])));
  const problems = results.flatMap((result) => ('error' in result ? [`${result.id}: ${result.error}`] : []));
  return [
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    `largest ${kb(largest)}, budget ${budgetKb} KB per function`,
    ...(problems.length > 0 ? ['', ...problems] : []),
  ].join('\n');
}

export function buildFailed(results: readonly BundleResult[]): boolean {
  return results.some((result) => result.status !== 'ok');
}

async function main(): Promise<void> {
  const budgetArg = process.argv.find((arg) => arg.startsWith('--budget-kb='));
  const budgetKb = budgetArg ? Number(budgetArg.split('=')[1]) : DEFAULT_BUDGET_KB;
  if (!Number.isFinite(budgetKb) || budgetKb <= 0) throw new Error('--budget-kb= must be a positive number');

  rmSync(DIST_DIR, { recursive: true, force: true });
  const results = await buildBundles({ targets: deployedBundleTargets(), budgetKb });
  console.log(formatReport(results, budgetKb));
  if (buildFailed(results)) {
    console.error('\nbuild failed: see the status column above');
    process.exitCode = 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
