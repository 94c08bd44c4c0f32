import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { APIGatewayProxyWebsocketEventV2, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localIssuer, type LocalIssuer } from '../infra/local/local-issuer';
import { connectionStore } from '../shared/db/connections';
import { connectAuthorizer } from '../shared/live/authorizer';
import { liveConsumer, onConnect, onDisconnect, onMessage } from '../shared/live/connections';
import { setupApi } from './support/api';

// The deployed live channel's handlers with API Gateway WebSocket-shaped events (events/apigw-websocket),
// DynamoDB Local for the connection items, an OIDC issuer on loopback for the authorizer's
// discovery, and a client mock only for the API Gateway Management API.

const EVENTS = join(import.meta.dirname, '..', 'events');
const sample = <T>(path: string): T => structuredClone(JSON.parse(readFileSync(join(EVENTS, path), 'utf8'))) as T;

let oidc: Server;
let issuer: LocalIssuer;
let discoveries = 0;

beforeAll(async () => {
  await setupApi();
  oidc = createServer((request, response) => {
    response.setHeader('content-type', 'application/json');
    if (request.url === '/.well-known/openid-configuration') {
      discoveries += 1;
      return response.end(JSON.stringify({ issuer: issuer.issuer, jwks_uri: `${issuer.issuer}/jwks.json` }));
    }
    if (request.url === '/jwks.json') return response.end(JSON.stringify(issuer.jwks));
    response.statusCode = 404;
    response.end('{}');
  });
  await new Promise<void>((resolve) => oidc.listen(0, '127.0.0.1', resolve));
  const { port } = oidc.address() as { port: number };
  issuer = await localIssuer(`http://127.0.0.1:${port}`, { keyFile: join(process.env.DATA_DIR as string, 'live-issuer.json') });
});

afterAll(() => new Promise<void>((resolve) => oidc.close(() => resolve())));

function authorizeEvent(token: string | undefined) {
  const event = sample<APIGatewayRequestAuthorizerEvent>('apigw-websocket/authorize.valid.json');
  event.queryStringParameters = token === undefined ? {} : { token };
  return event;
}

describe('live $connect authorizer', () => {
  it('allows a valid bearer from ?token=, with the user in the context, and caches it by token', async () => {
    const authorizer = connectAuthorizer({ issuer: issuer.issuer, audience: issuer.audience });
    const token = await issuer.sign({ sub: 'bob' });
    const event = authorizeEvent(token);
    const result = await authorizer.authorize(event);
    expect(result).toMatchObject({
      principalId: 'bob',
      context: { sub: 'bob' },
      policyDocument: { Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn }] },
    });
    expect(discoveries).toBe(1);
    expect(authorizer.cacheSize()).toBe(1);
    await authorizer.authorize(authorizeEvent(token));
    expect(authorizer.cacheSize()).toBe(1);
    expect(discoveries).toBe(1);
  });

  it('answers Unauthorized (API Gateway 401) to a missing, malformed, foreign or wrong-audience token', async () => {
    const authorizer = connectAuthorizer({ issuer: issuer.issuer, audience: issuer.audience });
    const other = await localIssuer('https://elsewhere.example', {});
    const hmac = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuer(issuer.issuer)
      .setAudience(issuer.audience)
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('k'.repeat(32)));
    const wrongAudience = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setIssuer(issuer.issuer)
      .setAudience('someone-else')
      .setExpirationTime('5m')
      .sign(new TextEncoder().encode('k'.repeat(32)));
    for (const [why, token] of [
      ['missing', undefined],
      ['malformed', 'abc'],
      ['another issuer', await other.sign({ sub: 'mallory' })],
      ['HMAC instead of the issuer key', hmac],
      ['wrong audience', wrongAudience],
    ] as const) {
      await expect(authorizer.authorize(authorizeEvent(token)), why).rejects.toThrow(/^Unauthorized$/);
    }
    expect(authorizer.cacheSize()).toBe(0);
  });
});

describe('live $connect, $disconnect, $default', () => {
  it('stores the connection with its user and a TTL, lists it by user, and removes it on disconnect', async () => {
    const connect = sample<APIGatewayProxyWebsocketEventV2>('apigw-websocket/connect.valid.json');
    expect(await onConnect(connect)).toEqual({ statusCode: 200 });
    const [stored] = await connectionStore.listByUser('bob');
    expect(stored).toMatchObject({ connection_id: 'Zx1conn0001=', user_id: 'bob' });
    const ttl = stored!.expires_at - Math.floor(Date.now() / 1000);
    expect(ttl).toBeGreaterThan(2 * 60 * 60);
    expect(ttl).toBeLessThanOrEqual(2 * 60 * 60 + 5 * 60);

    expect(await onDisconnect(sample('apigw-websocket/disconnect.valid.json'))).toEqual({ statusCode: 200 });
    expect(await connectionStore.listByUser('bob')).toEqual([]);
  });

  it('refuses a $connect that carries no authorizer context', async () => {
    const connect = sample<APIGatewayProxyWebsocketEventV2 & { requestContext: { authorizer?: { sub?: string } } }>(
      'apigw-websocket/connect.valid.json',
    );
    delete connect.requestContext.authorizer;
    connect.requestContext.connectionId = 'anon=';
    expect(await onConnect(connect)).toEqual({ statusCode: 401 });
  });

  it('answers ping with pong and ignores other messages', async () => {
    const ping = sample<APIGatewayProxyWebsocketEventV2>('apigw-websocket/message-ping.valid.json');
    expect(await onMessage(ping)).toEqual({ statusCode: 200, body: 'pong' });
    expect(await onMessage({ ...ping, body: 'hello' })).toEqual({ statusCode: 200 });
  });
});

describe('live fan-out consumer', () => {
  it('posts the envelope to every connection of the invitee, and deletes one that is gone (410)', async () => {
    const at = new Date();
    await connectionStore.put('bob-phone=', 'bob', at);
    await connectionStore.put('bob-laptop=', 'bob', at);
    await connectionStore.put('carol-1=', 'carol', at);
    const management = mockClient(ApiGatewayManagementApiClient);
    management
      .on(PostToConnectionCommand, { ConnectionId: 'bob-laptop=' })
      .rejects(new GoneException({ message: 'Gone', $metadata: { httpStatusCode: 410 } }))
      .on(PostToConnectionCommand, { ConnectionId: 'bob-phone=' })
      .resolves({});
    const busEvent = sample<{ detail: { id: string } }>('eventbridge/call-started.json');
    const consume = liveConsumer(new ApiGatewayManagementApiClient({ region: 'us-east-1' }), { roomMembers: async () => [] });

    expect(await consume(busEvent)).toEqual({ sent: 1, gone: 1 });
    const posts = management.commandCalls(PostToConnectionCommand).map((call) => call.args[0].input);
    expect(posts.map((post) => post.ConnectionId).sort()).toEqual(['bob-laptop=', 'bob-phone=']);
    expect(JSON.parse(new TextDecoder().decode(posts[0]!.Data as Uint8Array))).toEqual(busEvent.detail);
    expect((await connectionStore.listByUser('bob')).map((connection) => connection.connection_id)).toEqual(['bob-phone=']);
    expect(await connectionStore.listByUser('carol')).toHaveLength(1);
    management.restore();
  });

  it('fails the invocation (EventBridge retries) when a post fails for another reason, and rejects a bad envelope', async () => {
    await connectionStore.put('dan-1=', 'dan');
    const management = mockClient(ApiGatewayManagementApiClient);
    management.on(PostToConnectionCommand).rejects(new Error('throttled'));
    const consume = liveConsumer(new ApiGatewayManagementApiClient({ region: 'us-east-1' }), { roomMembers: async () => [] });
    const busEvent = sample<{ detail: { data: Record<string, unknown> } }>('eventbridge/call-started.json');
    busEvent.detail.data.invited_user_ids = ['dan'];
    await expect(consume(busEvent)).rejects.toThrow(/1 live connection post\(s\) failed/);
    expect(await connectionStore.listByUser('dan')).toHaveLength(1);
    await expect(consume({ detail: { type: 'Nope' } })).rejects.toThrow(/not a webhook event envelope/);
    management.restore();
  });
});
