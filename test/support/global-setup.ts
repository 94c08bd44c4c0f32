import type { TestProject } from 'vitest/node';
import { startDynamoDbLocal, type RunningDynamoDb } from '../../infra/local/dynamodb-local';

// The integration project's one in-memory DynamoDB Local, on a free loopback port; each test file gets its own table.
let dynamoDb: RunningDynamoDb | undefined;

export async function setup(project: TestProject) {
  dynamoDb = await startDynamoDbLocal();
  project.provide('dynamodbEndpoint', dynamoDb.endpoint);
}

export async function teardown() {
  await dynamoDb?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
  }
}
