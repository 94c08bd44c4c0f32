import { tableName, toAttributes, toValues } from './client';
import { dueInSweepQueue, updateIf } from './items';
import { keys } from './keys';
import { parseLiveClass, type LiveClassItem } from './live-classes';
import type * as z from 'zod/mini';

// Live classes Jitsi reported empty, in the sweeper's queue (gsi4) by when they end. Entered when
// the room is destroyed (only while live), left when the class ends or someone is back.

/** Queues a live class Jitsi reported empty at `emptySince`, due at `dueAt`; nothing if it is not live. */
export async function queueEmptyLiveClass(liveClassId: string, emptySince: string, dueAt: string): Promise<void> {
  const index = keys.liveClassSweepIndex(dueAt, liveClassId);
  await updateIf({
    TableName: tableName(),
    Key: toAttributes(keys.liveClass(liveClassId)),
    UpdateExpression: 'SET gsi4pk = :pk, gsi4sk = :sk, empty_since = :since',
    ConditionExpression: '#status = :live',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: toValues({ ':pk': index.gsi4pk, ':sk': index.gsi4sk, ':since': emptySince, ':live': 'live' }),
  });
}

/** Up to `limit` queued live classes due before `now`, earliest first (one Query of gsi4). */
export async function dueEmptyLiveClasses(
  now: string,
  limit: number,
): Promise<{ liveClass: z.infer<typeof LiveClassItem>; emptySince: string; sweepKey: string }[]> {
  const items = await dueInSweepQueue(keys.liveClassSweepPartition(), now, limit);
  return items.map((item) => ({
    liveClass: parseLiveClass(item)!,
    emptySince: item.empty_since as string,
    sweepKey: item.gsi4sk as string,
  }));
}

/** Takes a live class off the queue (someone is back), only if its entry is still the one read. */
export const unqueueLiveClass = (liveClassId: string, sweepKey: string): Promise<boolean> =>
  updateIf({
    TableName: tableName(),
    Key: toAttributes(keys.liveClass(liveClassId)),
    UpdateExpression: 'REMOVE gsi4pk, gsi4sk, empty_since',
    ConditionExpression: 'gsi4sk = :seen',
    ExpressionAttributeValues: toValues({ ':seen': sweepKey }),
  });
