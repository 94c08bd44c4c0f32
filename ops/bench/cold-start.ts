import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { buildBundles, bundleDir, bundleTargets, BUNDLE_FILE } from '../../infra/build';
import { routes } from '../../infra/routes';
import { jitsiUserContext, mintJitsiToken, NO_FEATURES, NOT_BEFORE_SKEW_SECONDS } from '../../shared/jitsi/token';

// Cold start of every function as a ratio to a bare DynamoDB-client function (floor-handler.ts)
// built with the same esbuild options: bundle size, and module-load time (CPU ms) measured in a
// fresh Node process per sample, each function paired with a floor sample in the same round (the order
// alternating), so machine load cancels out of the ratio. Reported: medians of the pair ratios.

export const TARGETS = { medianBundle: 1.3, largestBundle: 1.5, medianLoad: 1.2, userFacingLoad: 1.25, mint: 1.5 } as const;
const FLOOR_ID = 'floor.dynamodb-getitem';
// Measured like a function but not one: the floor plus the request pipeline every route carries.
const PIPELINE_ID = 'reference.pipeline-only';

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const fixed = (value: number, digits = 2) => value.toFixed(digits);
const verdict = (value: number, target: number) => `${fixed(value)}x (target ≤ ${target}x: ${value <= target ? 'ok' : 'MISSED'})`;

// CPU time (user + system) of the import: what a cold start pays, and unlike wall time not
// inflated by other processes on a shared machine.
const LOADER =
  'const t0 = process.cpuUsage(); await import(process.argv[1]); const t = process.cpuUsage(t0); process.stdout.write(String((t.user + t.system) / 1000));';
const CHILD_ENV = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  STAGE: 'local',
  POWERTOOLS_METRICS_DISABLED: 'true',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
};

function loadMs(bundle: string): number {
  const output = execFileSync(process.execPath, ['--input-type=module', '-e', LOADER, pathToFileURL(bundle).href], {
    env: CHILD_ENV,
    encoding: 'utf8',
    // The AWS SDK's Node 20 notice on stderr, once per sample, would bury the table.
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return Number(output);
}

export interface FunctionColdStart {
  id: string;
  userFacing: boolean;
  bytes: number;
  bundleRatio: number;
  loadMs: number;
  loadRatio: number;
}

export async function measureColdStart(
  rounds = 9,
): Promise<{ floorBytes: number; floorLoadMs: number; functions: FunctionColdStart[]; pipeline: FunctionColdStart }> {
  const outDir = mkdtempSync(join(tmpdir(), 'calls-cold-start-'));
  try {
    const targets = [
      ...bundleTargets(),
      { id: FLOOR_ID, entry: 'ops/bench/floor-handler.ts' },
      { id: PIPELINE_ID, entry: 'ops/bench/pipeline-handler.ts', access: { table: 'read' as const } },
    ];
    const results = await buildBundles({ targets, outDir, budgetKb: Number.MAX_SAFE_INTEGER });
    const failed = results.filter((result) => !('bytes' in result));
    if (failed.length > 0) throw new Error(`build failed: ${failed.map((result) => result.id).join(', ')}`);
    const bytes = new Map(results.map((result) => [result.id, 'bytes' in result ? result.bytes : 0]));
    const floorBundle = join(bundleDir(FLOOR_ID, outDir), BUNDLE_FILE);
    const userFacing = new Set<string>(routes.map((route) => route.id));

    const ids = [...bundleTargets().map((target) => target.id), PIPELINE_ID];
    const loads = new Map(ids.map((id) => [id, [] as number[]]));
    const ratios = new Map(ids.map((id) => [id, [] as number[]]));
    const floorLoads: number[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const id of ids) {
        const bundle = join(bundleDir(id, outDir), BUNDLE_FILE);
        // Alternate which of the pair runs first, so neither always gets the warmer disk cache.
        const floorFirst = round % 2 === 0;
        const first = loadMs(floorFirst ? floorBundle : bundle);
        const second = loadMs(floorFirst ? bundle : floorBundle);
        const [floorSample, own] = floorFirst ? [first, second] : [second, first];
        floorLoads.push(floorSample);
        loads.get(id)!.push(own);
        ratios.get(id)!.push(own / floorSample);
      }
    }
    const floorBytes = bytes.get(FLOOR_ID)!;
    const measured = ids.map((id) => ({
      id,
      userFacing: userFacing.has(id),
      bytes: bytes.get(id)!,
      bundleRatio: bytes.get(id)! / floorBytes,
      loadMs: median(loads.get(id)!),
      loadRatio: median(ratios.get(id)!),
    }));
    return {
      floorBytes,
      floorLoadMs: median(floorLoads),
      functions: measured.filter((fn) => fn.id !== PIPELINE_ID),
      pipeline: measured.find((fn) => fn.id === PIPELINE_ID)!,
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** Mint time of ours over jsonwebtoken's HS256 on the same claims, interleaved in blocks; median of block ratios. */
export async function measureMint(blocks = 7, perBlock = 3000): Promise<{ ratio: number; oursUs: number; jsonwebtokenUs: number }> {
  const secret = randomBytes(32).toString('hex');
  const settings = { appId: 'bench', domain: 'jitsi.example', audience: 'jitsi', ttlSeconds: 60, jaas: false };
  const request = (index: number) => ({
    room: `room-${index}`,
    user: { id: `u${index}`, name: 'User' },
    role: { kind: 'member' as const, features: NO_FEATURES },
    nowMs: Date.now(),
  });
  const ours = async (count: number) => {
    const started = performance.now();
    for (let index = 0; index < count; index++) await mintJitsiToken(request(index), settings, { alg: 'HS256', secret });
    return performance.now() - started;
  };
  const reference = async (count: number) => {
    const started = performance.now();
    for (let index = 0; index < count; index++) {
      const { room, user, role, nowMs } = request(index);
      const issuedAt = Math.floor(nowMs / 1000);
      jwt.sign(
        {
          room,
          context: { user: jitsiUserContext(user, role), features: { ...role.features } },
          aud: settings.audience,
          iss: settings.appId,
          sub: settings.domain,
          iat: issuedAt,
          nbf: issuedAt - NOT_BEFORE_SKEW_SECONDS,
          exp: issuedAt + settings.ttlSeconds,
        },
        secret,
        { algorithm: 'HS256', header: { alg: 'HS256', typ: 'JWT' } },
      );
    }
    return performance.now() - started;
  };
  await ours(500);
  await reference(500);
  const ratios: number[] = [];
  const oursMs: number[] = [];
  const referenceMs: number[] = [];
  for (let block = 0; block < blocks; block++) {
    const oursFirst = block % 2 === 0;
    const first = oursFirst ? await ours(perBlock) : await reference(perBlock);
    const second = oursFirst ? await reference(perBlock) : await ours(perBlock);
    const [o, r] = oursFirst ? [first, second] : [second, first];
    oursMs.push(o);
    referenceMs.push(r);
    ratios.push(o / r);
  }
  return { ratio: median(ratios), oursUs: (median(oursMs) / perBlock) * 1000, jsonwebtokenUs: (median(referenceMs) / perBlock) * 1000 };
}

export async function coldStartReport(rounds = 9): Promise<string> {
  const { floorBytes, floorLoadMs, functions, pipeline } = await measureColdStart(rounds);
  const mint = await measureMint();
  const header = ['function', 'kind', 'bundle KB', 'x floor', 'load CPU ms', 'x floor'];
  const rows = [...functions, pipeline].map((fn) => [
    fn.id,
    fn === pipeline ? 'reference' : fn.userFacing ? 'route' : 'schedule',
    fixed(fn.bytes / 1024, 1),
    fixed(fn.bundleRatio),
    fixed(fn.loadMs, 1),
    fixed(fn.loadRatio),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  const worstUserFacing = functions.filter((fn) => fn.userFacing).sort((a, b) => b.loadRatio - a.loadRatio)[0]!;
  const largest = functions.reduce((a, b) => (b.bundleRatio > a.bundleRatio ? b : a));
  return [
    `Cold start against a bare DynamoDB-client function (${fixed(floorBytes / 1024, 1)} KB, module load ${fixed(floorLoadMs, 1)} CPU ms median), same build options; ${rounds} interleaved rounds, medians of pair ratios`,
    line(header),
    line(widths.map((width) => '-'.repeat(width))),
    ...rows.map(line),
    '',
    `median bundle           ${verdict(median(functions.map((fn) => fn.bundleRatio)), TARGETS.medianBundle)}`,
    `largest bundle          ${verdict(largest.bundleRatio, TARGETS.largestBundle)} ${largest.id}`,
    `median module load      ${verdict(median(functions.map((fn) => fn.loadRatio)), TARGETS.medianLoad)}`,
    `worst user-facing load  ${verdict(worstUserFacing.loadRatio, TARGETS.userFacingLoad)} ${worstUserFacing.id}`,
    `token mint vs jsonwebtoken HS256, same claims: ${verdict(mint.ratio, TARGETS.mint)} (${fixed(mint.oursUs)} µs vs ${fixed(mint.jsonwebtokenUs)} µs)`,
    `${PIPELINE_ID} (the floor plus the request pipeline every route carries, no domain code; not in the medians): bundle ${fixed(pipeline.bundleRatio)}x, load ${fixed(pipeline.loadRatio)}x`,
  ].join('\n');
}
