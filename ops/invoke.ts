import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { routes } from '../infra/routes';
import { schedules } from '../infra/schedules';

// `npm run invoke -- <operation> [event.json]`: one function's handler with one event, the way
// `sam local invoke -e event.json` runs it, printing what the function returned.

const REPO_ROOT = resolve(import.meta.dirname, '..');

export const USAGE = `usage: npm run invoke -- <operation> [event.json]
  <operation>   a route id (calls.start, threads.create, ...) or a scheduled job (probes.jitsi, probes.coturn)
  [event.json]  an API Gateway v2 event (default: events/apigw-v2/<operation>.valid.json), or for a
                scheduled job an EventBridge event (default: events/eventbridge/scheduled.json)
The handler runs in this process as deployed (the caller is the event's
requestContext.authorizer.jwt.claims, verified by API Gateway) and needs:
  DYNAMODB_ENDPOINT  the local store, e.g. a DynamoDB Local you run; unset, a throwaway in-memory
                     DynamoDB Local is started for this one invocation (needs Java 17)
  TABLE_NAME         default jitsi-calls-local (created when missing)
  JITSI_JWT_SECRET, TURN_SECRET  default: the local server's dev secrets in \${DATA_DIR:-.data}, else throwaway ones
Any other variable of the README's configuration table applies as it does to npm run dev.
The result ({statusCode, headers, body}) goes to stdout, the function's logs to stderr.`;

const OPERATIONS = [
  ...routes.map((route) => ({ id: route.id, entry: route.entry, event: `events/apigw-v2/${route.id.replace('.', '-')}.valid.json` })),
  ...schedules.map((job) => ({ id: job.id, entry: job.entry, event: 'events/eventbridge/scheduled.json' })),
];

class UsageError extends Error {
  override name = 'UsageError';
}

function readEvent(path: string): unknown {
  if (!existsSync(path)) throw new UsageError(`no event file ${path}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new UsageError(`${path} is not JSON`);
  }
}

function localSecrets(dataDir: string): { jitsi_jwt_secret?: string; turn_secret?: string } {
  const file = join(dataDir, 'local-secrets.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return {};
  }
}

async function main(): Promise<number> {
  const [operationId, eventPath, ...rest] = process.argv.slice(2);
  if (!operationId || operationId === '--help' || operationId === '-h') {
    console.log(USAGE);
    return operationId ? 0 : 2;
  }
  const operation = OPERATIONS.find((candidate) => candidate.id === operationId);
  if (!operation) throw new UsageError(`unknown operation ${JSON.stringify(operationId)}; one of: ${OPERATIONS.map((op) => op.id).join(', ')}`);
  if (rest.length) throw new UsageError(`unexpected argument ${JSON.stringify(rest[0])}`);
  const event = readEvent(resolve(eventPath ?? join(REPO_ROOT, operation.event)));

  // Logs are the function's output, not the result: keep stdout for the result alone, as sam does.
  const log = console.log;
  console.log = console.error;
  const writeOut = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;

  const env = process.env;
  env.STAGE ??= 'local';
  env.TABLE_NAME ??= 'jitsi-calls-local';
  const secrets = localSecrets(resolve(env.DATA_DIR || '.data'));
  env.JITSI_JWT_SECRET ??= secrets.jitsi_jwt_secret ?? randomBytes(32).toString('hex');
  if (!env.TURN_USERNAME) env.TURN_SECRET ??= secrets.turn_secret ?? randomBytes(24).toString('hex');

  const { ensureTable, localDynamoClient, startDynamoDbLocal } = await import('../infra/local/dynamodb-local');
  let throwaway: { stop(): Promise<void> } | undefined;
  if (!env.DYNAMODB_ENDPOINT) {
    console.error('DYNAMODB_ENDPOINT is unset: starting a throwaway in-memory DynamoDB Local for this invocation');
    const started = await startDynamoDbLocal();
    throwaway = started;
    env.DYNAMODB_ENDPOINT = started.endpoint;
  }
  try {
    await ensureTable(localDynamoClient(env.DYNAMODB_ENDPOINT), env.TABLE_NAME);
    const { handler } = (await import(pathToFileURL(join(REPO_ROOT, operation.entry)).href)) as {
      handler: (event: unknown, context: Context) => Promise<unknown>;
    };
    const context = {
      functionName: operation.id,
      awsRequestId: randomBytes(8).toString('hex'),
      getRemainingTimeInMillis: () => 30_000,
    } as unknown as Context;
    const result = await handler(event, context);
    writeOut(`${JSON.stringify(result, null, 2)}\n`);
    return 0;
  } finally {
    console.log = log;
    await throwaway?.stop();
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`invoke: ${error.message}`);
      process.exitCode = 2;
      return;
    }
    // The handler itself threw (a scheduled probe that could not run): sam reports it the same way.
    console.error(`invoke: the function threw ${(error as Error)?.name ?? 'an error'}: ${(error as Error)?.message ?? String(error)}`);
    process.exitCode = 1;
  },
);
