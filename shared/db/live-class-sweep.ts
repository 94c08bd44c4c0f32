import { QueryCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { dynamo, fromAttributes, send, tableName, toAttributes, toValues, type Item } from './client';
import { keys } from './keys';
import { parseLiveClass, type LiveClassItem } from './live-classes';
import type * as z from 'zod/mini';

// Live classes Jitsi reported empty, in the sweeper's queue (gsi4) by when they end. Entered when
// the room is destroyed (only while live), left when the class ends or someone is back.

const conditionFailed = (error: unknown) => (error as { name?: string }).name === 'ConditionalCheckFailedException';

/** Queues a live class Jitsi reported empty at `emptySince`, due at `dueAt`; nothing if it is not live. */
export async function queueEmptyLiveClass(liveClassId: string, emptySince: string, dueAt: string): Promise<void> {
  try {
    await send(
      dynamo().send(
        new UpdateItemCommand({
          TableName: tableName(),
          Key: toAttributes(keys.liveClass(liveClassId)),
          UpdateExpression: 'SET gsi4pk = :pk, gsi4sk = :sk, empty_since = :since',
          ConditionExpression: '#status = :live',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: toValues({
            ...prefixed(keys.liveClassSweepIndex(dueAt, liveClassId)),
            ':since': emptySince,
            ':live': 'live',
          }),
        }),
      ),
    );
  } catch (error) {
    if (!conditionFailed(error)) throw error;
  }
}

const prefixed = (index: { gsi4pk: string; gsi4sk: string }) => ({ ':pk': index.gsi4pk, ':sk': index.gsi4sk });

/** Up to `limit` queued live classes due before `now`, earliest first (one Query of gsi4). */
export async function dueEmptyLiveClasses(
  now: string,
  limit: number,
): Promise<{ liveClass: z.infer<typeof LiveClassItem>; emptySince: string; sweepKey: string }[]> {
  const page = await send(
    dynamo().send(
      new QueryCommand({
        TableName: tableName(),
        IndexName: 'gsi4',
        KeyConditionExpression: 'gsi4pk = :partition AND gsi4sk < :before',
        ExpressionAttributeValues: toValues({ ':partition': keys.liveClassSweepPartition(), ':before': keys.sweepBefore(now) }),
        Limit: limit,
      }),
    ),
  );
  return (page.Items ?? []).map((attributes) => {
    const item = fromAttributes<Item>(attributes);
    return { liveClass: parseLiveClass(item)!, emptySince: item.empty_since as string, sweepKey: item.gsi4sk as string };
  });
}

/** Takes a live class off the queue (someone is back), only if its entry is still the one read. */
export async function unqueueLiveClass(liveClassId: string, sweepKey: string): Promise<boolean> {
  try {
    await send(
      dynamo().send(
        new UpdateItemCommand({
          TableName: tableName(),
          Key: toAttributes(keys.liveClass(liveClassId)),
          UpdateExpression: 'REMOVE gsi4pk, gsi4sk, empty_since',
          ConditionExpression: 'gsi4sk = :seen',
          ExpressionAttributeValues: toValues({ ':seen': sweepKey }),
        }),
      ),
    );
    return true;
  } catch (error) {
    if (conditionFailed(error)) return false;
    throw error;
  }
}
