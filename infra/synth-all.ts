// npm run synth: build the bundles, then synthesize every stage offline (no AWS credentials,
// no lookups) with cdk-nag's AwsSolutions pack; any unacknowledged finding fails the run.
// `--placeholder-code` skips the build and uses placeholder code (CI before the handlers exist);
// its output goes to a temporary directory so it can never be deployed by accident.

import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildBundles, buildFailed, deployedBundleTargets, formatReport, REPO_ROOT } from './build';
import { STAGES } from './constructs/stage-config';
import { createStageStack, type CodeSource } from './stack';

const placeholder = process.argv.includes('--placeholder-code');

if (!placeholder) {
  const results = await buildBundles({ targets: deployedBundleTargets() });
  console.log(formatReport(results));
  if (buildFailed(results)) {
    console.error('\nsynth stopped: the build failed (see above); the stack deploys dist/<id>, so it needs every bundle');
    process.exit(1);
  }
}

const cdkJson = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> };
const code: CodeSource = placeholder ? { kind: 'placeholder' } : { kind: 'dist' };
const outRoot = placeholder ? mkdtempSync(join(tmpdir(), 'jitsi-calls-synth-')) : join(REPO_ROOT, 'cdk.out');

let failed = false;
for (const stage of STAGES) {
  const outdir = join(outRoot, stage);
  try {
    const app = new App({ outdir, context: { ...cdkJson.context, stage } });
    const stack = createStageStack(app, { stage, stages: cdkJson.context.stages, code });
    const assembly = app.synth();
    const resources = Object.keys(assembly.getStackByName(stack.stackName).template.Resources ?? {}).length;
    console.log(`${stage}: ${stack.stackName} synthesized, cdk-nag AwsSolutions clean, ${resources} resources -> ${outdir}`);
  } catch (error) {
    failed = true;
    console.error(`${stage}: synth failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}
if (placeholder) console.log('(placeholder code: this output is for checking, not for deploying)');
process.exit(failed ? 1 : 0);
