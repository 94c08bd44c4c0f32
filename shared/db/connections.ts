import { DeleteItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { dynamo, send, tableName, toAttributes, toValues } from './client';
import { queryAllPages } from './items';
import { keys } from './keys';

// The live channel's connection items (deployed): written by $connect, deleted by $disconnect or
// when a post finds the connection gone, and expired by TTL after API Gateway's 2 h maximum in
// case neither happened. gsi2 lists a user's connections in one Query.

const ConnectionItem = z.looseObject({
  connection_id: z.string(),
  user_id: z.string(),
  connected_at: z.string(),
  expires_at: z.number(),
});
export type ConnectionRecord = z.infer<typeof ConnectionItem>;

/** API Gateway closes a WebSocket connection after 2 hours; the item outlives it a little, then TTL removes it. */
export const CONNECTION_TTL_SECONDS = 2 * 60 * 60 + 5 * 60;

export const INDEX = 'gsi2';

export const connectionStore = {
  async put(connectionId: string, userId: string, now = new Date()): Promise<ConnectionRecord> {
    const connectedAt = now.toISOString();
    const record = {
      connection_id: connectionId,
      user_id: userId,
      connected_at: connectedAt,
      expires_at: Math.floor(now.getTime() / 1000) + CONNECTION_TTL_SECONDS,
    };
    await send(
      dynamo().send(
        new PutItemCommand({
          TableName: tableName(),
          Item: toAttributes({
            ...keys.liveConnection(connectionId),
            ...keys.userConnectionsIndex(userId, connectedAt, connectionId),
            type: 'live-connection',
            ...record,
          }),
        }),
      ),
    );
    return record;
  },

  async remove(connectionId: string): Promise<void> {
    await send(dynamo().send(new DeleteItemCommand({ TableName: tableName(), Key: toAttributes(keys.liveConnection(connectionId)) })));
  },

  /** Every live connection of a user: one Query of gsi2 (more pages only past a few hundred devices). */
  async listByUser(userId: string, nowSeconds = Math.floor(Date.now() / 1000)): Promise<ConnectionRecord[]> {
    const found = (
      await queryAllPages({
        IndexName: INDEX,
        KeyConditionExpression: 'gsi2pk = :user',
        ExpressionAttributeValues: toValues({ ':user': keys.userConnectionsPartition(userId) }),
      })
    ).map((item) => ConnectionItem.parse(item));
    // TTL deletion lags by up to a few days: an expired item is not a connection.
    return found.filter((connection) => connection.expires_at > nowSeconds);
  },
};
