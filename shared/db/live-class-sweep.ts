import { tableName, toAttributes, toValues, type Item } from './client';
import { dueInSweepQueue, getItem, updateIf } from './items';
import { keys, LIVE_CLASS_SHARDS, type ItemKey } from './keys';
import { parseParticipantItem, type ParticipantRecord } from './participants';
import { LiveClassItem, parseLiveClass } from './live-classes';
import * as z from 'zod/mini';

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

// A queue entry as read back from gsi4: parsed, never cast (the item's own fields are parsed by its repository).
const EmptyClassEntry = z.looseObject({ empty_since: z.string(), gsi4sk: z.string() });
const JoinEntry = z.looseObject({ pk: z.string(), sk: z.string(), live_class_id: z.string(), gsi4sk: z.string() });

/** Up to `limit` entries per queue partition due before `now` (one Query of gsi4 per partition, side by side), earliest first within each. */
async function dueEntries<T>(partitions: string[], now: string, limit: number, parse: (item: Item) => T): Promise<T[]> {
  const pages = await Promise.all(partitions.map((partition) => dueInSweepQueue(partition, now, limit)));
  return pages.flat().map(parse);
}

/** Takes an item off its queue (and `alsoRemove` with it), only if its entry is still the one read. */
const unqueue = (key: ItemKey, sweepKey: string, alsoRemove: string[] = []): Promise<boolean> =>
  updateIf({
    TableName: tableName(),
    Key: toAttributes(key),
    UpdateExpression: `REMOVE ${['gsi4pk', 'gsi4sk', ...alsoRemove].join(', ')}`,
    ConditionExpression: 'gsi4sk = :seen',
    ExpressionAttributeValues: toValues({ ':seen': sweepKey }),
  });

/** Up to `limit` queued live classes due before `now`, earliest first (one Query of gsi4). */
export const dueEmptyLiveClasses = (
  now: string,
  limit: number,
): Promise<{ liveClass: z.infer<typeof LiveClassItem>; emptySince: string; sweepKey: string }[]> =>
  dueEntries([keys.liveClassSweepPartition()], now, limit, (item) => {
    const entry = EmptyClassEntry.parse(item);
    return { liveClass: LiveClassItem.parse(item), emptySince: entry.empty_since, sweepKey: entry.gsi4sk };
  });

/** Takes a live class off the queue (someone is back), only if its entry is still the one read. */
export const unqueueLiveClass = (liveClassId: string, sweepKey: string): Promise<boolean> =>
  unqueue(keys.liveClass(liveClassId), sweepKey, ['empty_since']);

/** Up to `limit` live-class API joins per shard whose confirmation time passed (one Query of gsi4 per shard, side by side). */
export const dueLiveClassJoins = (
  now: string,
  limit: number,
): Promise<{ key: ItemKey; liveClassId: string; participant: ParticipantRecord; sweepKey: string }[]> =>
  dueEntries(
    Array.from({ length: LIVE_CLASS_SHARDS }, (_, shard) => keys.liveClassJoinConfirmPartition(shard)),
    now,
    limit,
    (item) => {
      const entry = JoinEntry.parse(item);
      return {
        key: { pk: entry.pk, sk: entry.sk },
        liveClassId: entry.live_class_id,
        participant: parseParticipantItem(item),
        sweepKey: entry.gsi4sk,
      };
    },
  );

/** Takes a checked join off the queue, only if its entry is still the one read (a rejoin moved it). */
export const unqueueLiveClassJoin = (key: ItemKey, sweepKey: string): Promise<boolean> => unqueue(key, sweepKey);

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
