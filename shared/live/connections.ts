import { ApiGatewayManagementApiClient, GoneException, PostToConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { connectionStore } from '../db/connections';
import { logger } from '../observability/logger';
import { parseWebhookEvent } from '../webhooks/envelope';
import { fanOut, roomMembersFromTable, type FanOutDeps } from './fan-out';

// The live channel's WebSocket routes and its event consumer (deployed). The handlers in
// functions/live/ only wire these to their clients.

type AuthorizedWebsocketEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & { authorizer?: { sub?: unknown; principalId?: unknown } };
};

const ok: APIGatewayProxyResultV2 = { statusCode: 200 };

/** $connect: the authorizer let it through; remember whose connection this is. */
export async function onConnect(event: AuthorizedWebsocketEvent): Promise<APIGatewayProxyResultV2> {
  const sub = event.requestContext.authorizer?.sub ?? event.requestContext.authorizer?.principalId;
  // Only reachable without the authorizer (a misconfigured route): refuse rather than store an anonymous connection.
  if (typeof sub !== 'string' || sub.length === 0) return { statusCode: 401 };
  await connectionStore.put(event.requestContext.connectionId, sub);
  return ok;
}

/** $disconnect: best effort by API Gateway; TTL and the 410 on the next post cover a missed one. */
export async function onDisconnect(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> {
  await connectionStore.remove(event.requestContext.connectionId);
  return ok;
}

/** $default: a client's `ping` (sent within the 10-minute idle timeout) gets `pong`; anything else is ignored. */
export async function onMessage(event: APIGatewayProxyWebsocketEventV2): Promise<APIGatewayProxyResultV2> {
  return event.body === 'ping' ? { statusCode: 200, body: 'pong' } : ok;
}

export function managementPoster(client: ApiGatewayManagementApiClient): FanOutDeps['post'] {
  return async (connectionId, payload) => {
    try {
      await client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: new TextEncoder().encode(payload) }));
      return 'sent';
    } catch (error) {
      if (error instanceof GoneException || (error as { name?: string }).name === 'GoneException') return 'gone';
      throw error;
    }
  };
}

/**
 * The EventBridge consumer: detail is the event envelope. A post that failed for another reason
 * than 410 fails the invocation, so EventBridge retries the event (clients deduplicate by id).
 */
export function liveConsumer(client: ApiGatewayManagementApiClient, deps: Partial<FanOutDeps> = {}) {
  return async (busEvent: { detail: unknown }) => {
    const event = parseWebhookEvent(busEvent.detail);
    const result = await fanOut(event, {
      roomMembers: roomMembersFromTable,
      connectionsOf: async (userId) => (await connectionStore.listByUser(userId)).map((connection) => connection.connection_id),
      post: managementPoster(client),
      remove: (connectionId) => connectionStore.remove(connectionId),
      ...deps,
    });
    logger.info('live fan-out', {
      event_id: event.id,
      type: event.type,
      users: result.users.length,
      sent: result.sent,
      gone: result.gone,
      failed: result.failed,
    });
    if (result.failed > 0) throw new Error(`${result.failed} live connection post(s) failed for event ${event.id}`);
    return { sent: result.sent, gone: result.gone };
  };
}
