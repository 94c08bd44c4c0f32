import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, type RunningDynamoDb } from '../../infra/local/dynamodb-local';

// One in-memory DynamoDB Local for the whole run, on a free loopback port; each test file gets its own table.
let dynamoDb: RunningDynamoDb | undefined;
let runTempDir: string | undefined;

export async function setup(project: TestProject) {
  // Every temp dir of the run (test files' data dirs, dev servers', CDK's cdk.out*) lands under one
  // folder that teardown removes, so a run leaves nothing in the system temp dir. Workers inherit TMPDIR.
  runTempDir = mkdtempSync(join(tmpdir(), 'calls-run-'));
  process.env.TMPDIR = runTempDir;
  // The SDK warns once per process that its 2027 releases need Node 22: noise in every worker's output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  project.provide('runTempDir', runTempDir);
  dynamoDb = await startDynamoDbLocal();
  project.provide('dynamodbEndpoint', dynamoDb.endpoint);
}

export async function teardown() {
  await dynamoDb?.stop();
  if (runTempDir) rmSync(runTempDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    runTempDir: string;
  }
}
