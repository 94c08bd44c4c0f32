import { tableName, toAttributes, toValues, type Item } from './client';
import { dueInSweepQueue, getItem, updateIf } from './items';
import { keys, LIVE_CLASS_SHARDS, type ItemKey } from './keys';
import { parseParticipant, type ParticipantRecord } from './participants';
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

/** Up to `limit` live-class API joins per shard whose confirmation time passed (one Query of gsi4 per shard, side by side). */
export async function dueLiveClassJoins(
  now: string,
  limit: number,
): Promise<{ key: ItemKey; liveClassId: string; participant: ParticipantRecord; sweepKey: string }[]> {
  const shards = Array.from({ length: LIVE_CLASS_SHARDS }, (_, shard) => shard);
  const pages = await Promise.all(shards.map((shard) => dueInSweepQueue(keys.liveClassJoinConfirmPartition(shard), now, limit)));
  return pages.flat().map((item) => ({
    key: { pk: item.pk as string, sk: item.sk as string },
    liveClassId: item.live_class_id as string,
    participant: parseParticipant(item)!,
    sweepKey: item.gsi4sk as string,
  }));
}

/** Takes a checked join off the queue, only if its entry is still the one read (a rejoin moved it). */
export const unqueueLiveClassJoin = (key: ItemKey, sweepKey: string): Promise<boolean> =>
  updateIf({
    TableName: tableName(),
    Key: toAttributes(key),
    UpdateExpression: 'REMOVE gsi4pk, gsi4sk',
    ConditionExpression: 'gsi4sk = :seen',
    ExpressionAttributeValues: toValues({ ':seen': sweepKey }),
  });

/** Marks a live class's room as one Jitsi reports presence for (on its ROOM# item, read with every presence event). */
export const markPresenceReported = (roomName: string): Promise<boolean> =>
  updateIf({
    TableName: tableName(),
    Key: toAttributes(keys.room(roomName.toLowerCase())),
    UpdateExpression: 'SET presence_reported = :true',
    ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(presence_reported)',
    ExpressionAttributeValues: toValues({ ':true': true }),
  });

/** The class's status and course, and whether Jitsi reports presence for its room (two reads). */
export async function liveClassPresence(
  liveClassId: string,
): Promise<{ status: string; courseId: string; presenceReported: boolean } | undefined> {
  const liveClass = parseLiveClass(await getItem<Item>(keys.liveClass(liveClassId)));
  if (!liveClass) return undefined;
  const room = await getItem<Item>(keys.room(liveClass.room_name.toLowerCase()));
  return { status: liveClass.status, courseId: liveClass.course_id, presenceReported: room?.presence_reported === true };
}
