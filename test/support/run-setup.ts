import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';

// Every temp dir of a project's run (test files' data dirs, dev servers', CDK's cdk.out*) lands
// under one folder that teardown removes, so a run leaves nothing in the system temp dir.
// Workers inherit TMPDIR.
let runTempDir: string | undefined;

export function setup(project: TestProject) {
  runTempDir = mkdtempSync(join(tmpdir(), 'calls-run-'));
  process.env.TMPDIR = runTempDir;
  // The SDK warns once per process that its 2027 releases need Node 22: noise in every worker's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  project.provide('runTempDir', runTempDir);
}

export function teardown() {
  if (runTempDir) rmSync(runTempDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    runTempDir: string;
  }
}
