import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import * as z from 'zod/mini';
import { readVariable } from '../../shared/config';
import { routes, type RouteDefinition } from '../routes';
import { apiGatewayEvent, compilePath } from './api-event';
import { ensureTable, localDynamoClient, startDynamoDbLocal, type RunningDynamoDb } from './dynamodb-local';
import { dataFile, ensureDir, LOCAL_ISSUER, localIssuer, type LocalIssuer } from './local-issuer';
import { startLocalJobs } from './jobs';

// `npm run dev`: the same handlers that run in Lambda, behind a tiny HTTP server that builds
// API Gateway v2 events, with DynamoDB Local (kept in DATA_DIR) as the store.

const MAX_REQUEST_BYTES = 1024 * 1024;

type Handler = (event: unknown, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

interface LocalSecrets {
  jitsi_jwt_secret: string;
  turn_secret: string;
}

/** Dev secrets made at first start and kept in DATA_DIR: fine locally, never used by a deployed stage. */
function localSecrets(dataDir: string): LocalSecrets {
  const file = dataFile(dataDir, 'local-secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const secrets = { jitsi_jwt_secret: randomBytes(32).toString('hex'), turn_secret: randomBytes(24).toString('hex') };
  writeFileSync(file, JSON.stringify(secrets), { mode: 0o600 });
  return secrets;
}

function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        request.destroy();
        resolveBody(null);
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolveBody(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function send(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body));
}

const TokenRequest = z.strictObject({
  sub: z.string().check(z.regex(/^[A-Za-z0-9._@:|+-]{1,128}$/)),
  name: z.optional(z.string().check(z.maxLength(200))),
  email: z.optional(z.string().check(z.maxLength(320))),
  roles: z.optional(z.array(z.string().check(z.maxLength(64))).check(z.maxLength(20))),
});

const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type',
  'access-control-allow-methods': 'GET, POST, PUT, DELETE, OPTIONS',
  'access-control-max-age': '600',
};

export interface LocalServer {
  url: string;
  issuer: LocalIssuer;
  dynamoDbPid: number;
  dataDir: string;
  close(): Promise<void>;
}

export async function startLocalServer(
  env: Record<string, string | undefined> = process.env,
  options: { log?: (line: string) => void } = {},
): Promise<LocalServer> {
  const log = options.log ?? ((line: string) => console.log(line));
  // Declared in shared/config.ts: a bad value names the variable and its valid values.
  const settings = {
    PORT: readVariable('PORT', env),
    DATA_DIR: readVariable('DATA_DIR', env),
    TABLE_NAME: readVariable('TABLE_NAME', env),
  };
  const dataDir = resolve(settings.DATA_DIR);
  ensureDir(dataDir);
  const url = `http://127.0.0.1:${settings.PORT}`;

  const dynamoDb: RunningDynamoDb = await startDynamoDbLocal({ dbPath: ensureDir(resolve(dataDir, 'dynamodb')) });
  let jobs: { stop(): void } | undefined;
  try {
    const issuer = await localIssuer(LOCAL_ISSUER, { keyFile: dataFile(dataDir, 'local-issuer-key.json') });
    const secrets = localSecrets(dataDir);
    // The handlers read their configuration from the environment, exactly as in Lambda.
    Object.assign(process.env, {
      STAGE: 'local',
      DYNAMODB_ENDPOINT: dynamoDb.endpoint,
      TABLE_NAME: settings.TABLE_NAME,
      DATA_DIR: dataDir,
      AUTH_MODE: 'jwks',
      AUTH_ISSUER: issuer.issuer,
      AUTH_AUDIENCE: issuer.audience,
      AUTH_JWKS: JSON.stringify(issuer.jwks),
      EVENTS_MODE: 'local',
      JITSI_JWT_SECRET: env.JITSI_JWT_SECRET || secrets.jitsi_jwt_secret,
      ...(env.TURN_USERNAME ? {} : { TURN_SECRET: env.TURN_SECRET || secrets.turn_secret }),
    });
    const { getConfig } = await import('../../shared/config');
    getConfig(); // A missing or malformed variable stops the start here, with its name.
    await ensureTable(localDynamoClient(dynamoDb.endpoint), settings.TABLE_NAME);

    const table = routes.map((route: RouteDefinition) => ({ route, match: compilePath(route.path) }));
    const handlers = new Map<string, Promise<Handler>>();
    const handlerFor = (route: RouteDefinition) => {
      let handler = handlers.get(route.id);
      if (!handler) {
        handler = import(resolve(route.entry)).then((module: { handler: Handler }) => module.handler);
        handlers.set(route.id, handler);
      }
      return handler;
    };

    const server = createServer(async (request, response) => {
      try {
        const requestUrl = new URL(request.url ?? '/', url);
        const method = request.method ?? 'GET';
        if (method === 'OPTIONS') return send(response, 204, undefined, CORS_HEADERS);
        const body = await readBody(request);
        if (body === null) return send(response, 413, { error: 'payload_too_large', message: 'The body is too large.' });

        if (requestUrl.pathname === '/_local/jwks.json' && method === 'GET') return send(response, 200, issuer.jwks, CORS_HEADERS);
        if (requestUrl.pathname === '/_local/token' && method === 'POST') {
          let parsed: unknown;
          try {
            parsed = JSON.parse(body || '{}');
          } catch {
            return send(response, 400, { error: 'validation_error', message: 'The body is not valid JSON.' }, CORS_HEADERS);
          }
          const claims = z.safeParse(TokenRequest, parsed);
          if (!claims.success) {
            return send(
              response,
              400,
              { error: 'validation_error', message: 'Expected {sub, name?, email?, roles?}.', details: claims.error.issues },
              CORS_HEADERS,
            );
          }
          return send(response, 200, { token: await issuer.sign(claims.data) }, CORS_HEADERS);
        }

        for (const { route, match } of table) {
          const pathParameters = match(requestUrl.pathname);
          if (!pathParameters || route.method !== method) continue;
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(request.headers)) {
            if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
          }
          const event = apiGatewayEvent(
            route,
            { method, rawPath: requestUrl.pathname, rawQueryString: requestUrl.search.slice(1), headers, ...(body ? { body } : {}) },
            pathParameters,
          );
          const handler = await handlerFor(route);
          const result = await handler(event, {
            functionName: route.id,
            awsRequestId: event.requestContext.requestId,
            getRemainingTimeInMillis: () => 30_000,
          } as unknown as Context);
          return send(response, result.statusCode ?? 200, result.body ?? '', {
            ...(result.headers as Record<string, string>),
            ...CORS_HEADERS,
          });
        }
        return send(response, 404, { error: 'not_found', message: 'No such route.' }, CORS_HEADERS);
      } catch (error) {
        console.error('local server error', error);
        if (!response.headersSent) send(response, 500, { error: 'internal_error', message: 'Something went wrong on our side.' });
      }
    });

    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(settings.PORT, '127.0.0.1', () => resolveListen());
    });
    jobs = await startLocalJobs({ log });

    return {
      url,
      issuer,
      dynamoDbPid: dynamoDb.pid,
      dataDir,
      close: async () => {
        jobs?.stop();
        server.closeAllConnections();
        await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
        await dynamoDb.stop();
      },
    };
  } catch (error) {
    jobs?.stop();
    await dynamoDb.stop();
    throw error;
  }
}

async function main() {
  let server: LocalServer;
  try {
    server = await startLocalServer();
  } catch (error) {
    console.error(`Could not start the local server: ${(error as Error).message}`);
    process.exit(1);
  }
  console.log(`Jitsi calls API (local) listening on ${server.url}`);
  console.log(`DynamoDB Local (pid ${server.dynamoDbPid}) keeps its data in ${server.dataDir}`);
  console.log(`OpenAPI: ${server.url}/api/openapi.json`);
  console.log('Try it:');
  console.log(
    `  TOKEN=$(curl -s -X POST ${server.url}/_local/token -H 'content-type: application/json' -d '{"sub":"alice","name":"Alice"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')`,
  );
  console.log(
    `  curl -s -X POST ${server.url}/api/threads -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"title":"Standup","member_ids":["bob"]}'`,
  );
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping (DynamoDB Local too)`);
    await server.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  void main();
}
