import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as z from 'zod/mini';
import { readVariable } from '../../shared/config';
import { routes, type ApiRoute } from '../routes';
import { compilePath } from './api-event';
import { localAuthorizer, MAX_BEARER_BYTES } from './authorizer';
import { invokeRoute, type LambdaHandler } from './gateway';
import { ensureTable, localDynamoClient, startDynamoDbLocal, type RunningDynamoDb } from './dynamodb-local';
import { dataFile, ensureDir, LOCAL_ISSUER, localIssuer, type LocalIssuer } from './local-issuer';
import { startLocalJobs } from './jobs';
import { createLiveChannel, type LiveChannel } from './live-channel';
import type { EventListener, LocalRelay } from '../../shared/events/local-relay';
import type { LocalDeliverer } from '../../shared/webhooks/local-deliverer';
import { assertPortFree, LocalStartError, lockDataDir, prepareDataDir, watchParent } from './lifecycle';

// `npm run dev`: the same handlers that run in Lambda, behind a tiny HTTP server that builds
// API Gateway v2 events, with DynamoDB Local (kept in DATA_DIR) as the store, or the DynamoDB
// at DYNAMODB_ENDPOINT when that is set.

const MAX_REQUEST_BYTES = 1024 * 1024;
// After a 413 the rest of the body is read and dropped for this long (or this much) before the
// connection is cut: closing a socket with unread data sends a reset that can destroy the answer.
const OVERSIZE_DRAIN_MS = 5_000;
const OVERSIZE_DRAIN_BYTES = 64 * 1024 * 1024;

// Above Node's 16 KiB default, so a long bearer meets the authorizer's 401 rather than an empty 431.
const MAX_HEADER_BYTES = 4 * MAX_BEARER_BYTES;

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

/** The body, or null past MAX_REQUEST_BYTES (the rest is then read and dropped). */
function readBody(request: IncomingMessage): Promise<string | null> {
  return new Promise((resolveBody, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let oversized = false;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (oversized) {
        if (size > MAX_REQUEST_BYTES + OVERSIZE_DRAIN_BYTES) request.socket.destroy();
      } else if (size > MAX_REQUEST_BYTES) {
        oversized = true;
        chunks.length = 0;
        resolveBody(null);
      } else {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolveBody(oversized ? null : Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

/** Answers 413 first, then closes the connection once the client has finished sending (or after a grace period). */
function rejectOversizedBody(request: IncomingMessage, response: ServerResponse) {
  const socket = request.socket;
  const cut = setTimeout(() => socket.destroy(), OVERSIZE_DRAIN_MS);
  cut.unref();
  const close = () => {
    clearTimeout(cut);
    socket.end();
  };
  response.once('finish', () => (request.complete ? close() : request.once('end', close)));
  send(response, 413, { error: 'payload_too_large', message: 'The body is larger than 1 MiB.' });
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
  dynamoDbEndpoint: string;
  /** Set when this server started its own DynamoDB Local (no DYNAMODB_ENDPOINT). */
  dynamoDbPid?: number;
  /** Settles if that DynamoDB Local ends: the server cannot serve without it. */
  dynamoDbExited?: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  dataDir: string;
  /** The live channel at /api/live: `liveChannel.publish(event)` pushes an event to the connections it concerns. */
  liveChannel: LiveChannel;
  /** Subscribes to every event the outbox delivers (the live channel, tests); returns the unsubscribe. */
  onEvent(listener: EventListener): () => void;
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
  const dataDir = prepareDataDir(settings.DATA_DIR);
  const url = `http://127.0.0.1:${settings.PORT}`;
  const lock = lockDataDir(dataDir, url);
  let dynamoDb: RunningDynamoDb | undefined;
  let jobs: { stop(): void } | undefined;
  let liveChannel: LiveChannel | undefined;
  let relay: LocalRelay | undefined;
  let webhooks: LocalDeliverer | undefined;
  try {
    await assertPortFree(settings.PORT);
    const externalEndpoint = env.DYNAMODB_ENDPOINT;
    if (!externalEndpoint) {
      dynamoDb = await startDynamoDbLocal({ dbPath: ensureDir(resolve(dataDir, 'dynamodb')) });
      lock.update({ dynamoDbPid: dynamoDb.pid });
    }
    const dynamoDbEndpoint = externalEndpoint ?? (dynamoDb as RunningDynamoDb).endpoint;
    const issuer = await localIssuer(LOCAL_ISSUER, { keyFile: dataFile(dataDir, 'local-issuer-key.json') });
    const secrets = localSecrets(dataDir);
    // The handlers read their configuration from the environment, exactly as in Lambda.
    Object.assign(process.env, {
      STAGE: 'local',
      DYNAMODB_ENDPOINT: dynamoDbEndpoint,
      TABLE_NAME: settings.TABLE_NAME,
      DATA_DIR: dataDir,
      EVENTS_MODE: 'local',
      JITSI_JWT_SECRET: env.JITSI_JWT_SECRET || secrets.jitsi_jwt_secret,
      ...(env.TURN_USERNAME ? {} : { TURN_SECRET: env.TURN_SECRET || secrets.turn_secret }),
    });
    const { getConfig } = await import('../../shared/config');
    // A missing or malformed variable stops the start here, with its name.
    await ensureTable(localDynamoClient(dynamoDbEndpoint, getConfig().AWS_REGION), settings.TABLE_NAME);

    // API Gateway's JWT authorizer, played locally: the functions only read the claims it verified.
    const authorize = localAuthorizer({ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks });
    liveChannel = createLiveChannel({ authorize });
    const table = routes.map((route) => ({ route, match: compilePath(route.path) }));
    const handlers = new Map<string, Promise<LambdaHandler>>();
    const handlerFor = (route: ApiRoute) => {
      let handler = handlers.get(route.id);
      if (!handler) {
        handler = import(resolve(route.entry)).then((module: { handler: LambdaHandler }) => module.handler);
        handlers.set(route.id, handler);
      }
      return handler;
    };

    const server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, async (request, response) => {
      try {
        const requestUrl = new URL(request.url ?? '/', url);
        const method = request.method ?? 'GET';
        if (method === 'OPTIONS') return send(response, 204, undefined, CORS_HEADERS);
        const body = await readBody(request);
        if (body === null) return rejectOversizedBody(request, response);

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
          const result = await invokeRoute(
            route,
            { method, rawPath: requestUrl.pathname, rawQueryString: requestUrl.search.slice(1), headers, ...(body ? { body } : {}) },
            pathParameters,
            authorize,
            await handlerFor(route),
          );
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

    const live = liveChannel;
    server.on('upgrade', (request, socket, head) => {
      if (!live.handleUpgrade(request, socket, head)) socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n');
    });

    await new Promise<void>((resolveListen, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new LocalStartError(`PORT=${settings.PORT} is already in use on 127.0.0.1.`) : error),
      );
      server.listen(settings.PORT, '127.0.0.1', () => resolveListen());
    });
    jobs = await startLocalJobs({ log });
    // The outbox, delivered from the same store: to the events file, the webhook deliverer and any subscriber.
    const { startLocalRelay } = await import('../../shared/events/local-relay');
    const { startWebhookDeliverer } = await import('../../shared/webhooks/local-deliverer');
    relay = startLocalRelay({ log });
    const events = relay;
    webhooks = await startWebhookDeliverer({ source: (accept) => events.onEvent(accept), log });
    // The live channel is one more consumer of the same events.
    events.onEvent(async (event) => {
      await live.publish(event);
    });

    return {
      url,
      issuer,
      dynamoDbEndpoint,
      ...(dynamoDb ? { dynamoDbPid: dynamoDb.pid, dynamoDbExited: dynamoDb.exited } : {}),
      dataDir,
      liveChannel: live,
      onEvent: (listener) => events.onEvent(listener),
      close: async () => {
        jobs?.stop();
        await relay?.stop();
        await webhooks?.stop();
        live.close();
        server.closeAllConnections();
        await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
        await dynamoDb?.stop();
        lock.release();
      },
    };
  } catch (error) {
    jobs?.stop();
    liveChannel?.close();
    await relay?.stop();
    await webhooks?.stop();
    await dynamoDb?.stop();
    lock.release();
    throw error;
  }
}

async function main() {
  let server: LocalServer;
  try {
    server = await startLocalServer();
  } catch (error) {
    console.error(`Could not start the local server: ${(error as Error).message}`);
    if (!(error instanceof LocalStartError) && process.env.DEBUG) console.error(error);
    process.exit(1);
  }
  console.log(`Jitsi calls API (local, pid ${process.pid}) listening on ${server.url}`);
  if (server.dynamoDbPid) console.log(`DynamoDB Local (pid ${server.dynamoDbPid}) keeps its data in ${server.dataDir}`);
  else console.log(`DynamoDB at DYNAMODB_ENDPOINT=${server.dynamoDbEndpoint} (not started by this server)`);
  console.log(`OpenAPI: ${server.url}/api/openapi.json`);
  console.log('Try it:');
  console.log(
    `  TOKEN=$(curl -s -X POST ${server.url}/_local/token -H 'content-type: application/json' -d '{"sub":"alice","name":"Alice"}' | sed -E 's/.*"token":"([^"]+)".*/\\1/')`,
  );
  console.log(
    `  curl -s -X POST ${server.url}/api/threads -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"title":"Standup","member_ids":["bob"]}'`,
  );
  let stopping = false;
  const stop = async (why: string, exitCode = 0) => {
    if (stopping) return;
    stopping = true;
    console.log(`${why}: stopping${server.dynamoDbPid ? ' (DynamoDB Local too)' : ''}`);
    // A close that hangs must not keep the port and DynamoDB Local alive.
    setTimeout(() => process.exit(exitCode || 1), 10_000).unref();
    await server.close();
    process.exit(exitCode);
  };
  // SIGHUP: the terminal closed. Ctrl-C reaches every process of the group; SIGTERM may reach only one.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => void stop(signal));
  watchParent(() => void stop('parent process exited'));
  void server.dynamoDbExited?.then(({ code, signal }) => {
    if (!stopping) {
      console.error(`DynamoDB Local exited unexpectedly (${signal ?? `code ${code}`}): the server cannot serve without it`);
      void stop('DynamoDB Local exited', 1);
    }
  });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(new URL(import.meta.url).pathname)) {
  void main();
}
