import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { tableName, toAttributes, toValues, type Item } from './client';
import { getItem, getItemsInOrder, parseItem, queryIndexPage } from './items';
import { keys, LIVE_CLASS_SHARDS } from './keys';
import { parseParticipant } from './participants';
import type { Parts } from './transaction';

// The live-class repository: the class item (listed per course on gsi1), its room-name claim and
// one gate per participant shard, a copy of what a join needs. Items are validated when read.

const Status = z.enum(['scheduled', 'live', 'ended']);
export type LiveClassStatus = z.infer<typeof Status>;

export interface LiveClassRecord {
  live_class_id: string;
  course_id: string;
  title: string;
  room_name: string;
  status: LiveClassStatus;
  scheduled_at?: string;
  started_at?: string;
  started_by?: string;
  ended_at?: string;
  ended_by?: string;
  created_by: string;
  created_at: string;
}

/** The per-shard copy of what a join needs; written in the same transactions as the class item. */
export interface GateRecord {
  live_class_id: string;
  course_id: string;
  title: string;
  room_name: string;
  status: LiveClassStatus;
  started_at?: string;
  ended_at?: string;
}

export const LiveClassItem = z.looseObject({
  live_class_id: z.string(),
  course_id: z.string(),
  title: z.string(),
  room_name: z.string(),
  status: Status,
  scheduled_at: z.optional(z.string()),
  started_at: z.optional(z.string()),
  started_by: z.optional(z.string()),
  ended_at: z.optional(z.string()),
  ended_by: z.optional(z.string()),
  created_by: z.string(),
  created_at: z.string(),
});

export const GateItem = z.looseObject({
  live_class_id: z.string(),
  course_id: z.string(),
  title: z.string(),
  room_name: z.string(),
  status: Status,
  started_at: z.optional(z.string()),
  ended_at: z.optional(z.string()),
});

export const parseLiveClass = (item: Item | undefined) => (item === undefined ? undefined : LiveClassItem.parse(item));
export const parseGate = (item: Item | undefined) => (item === undefined ? undefined : GateItem.parse(item));

const shards = () => Array.from({ length: LIVE_CLASS_SHARDS }, (_, shard) => shard);

/** The course listing's order: scheduled time, unscheduled classes by creation time. */
export const sortTimeOf = (liveClass: Pick<LiveClassRecord, 'scheduled_at' | 'created_at'>) =>
  liveClass.scheduled_at ?? liveClass.created_at;

function gatePut(liveClass: LiveClassRecord, shard: number): TransactWriteItem {
  const gate: GateRecord = {
    live_class_id: liveClass.live_class_id,
    course_id: liveClass.course_id,
    title: liveClass.title,
    room_name: liveClass.room_name,
    status: liveClass.status,
  };
  return {
    Put: {
      TableName: tableName(),
      Item: toAttributes({ ...keys.liveClassGate(liveClass.live_class_id, shard), type: 'live-class-gate', shard, ...gate }),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}

export const liveClassStore = {
  load: async (liveClassId: string): Promise<LiveClassRecord | undefined> =>
    parseItem(LiveClassItem, await getItem(keys.liveClass(liveClassId))),

  /** The class and the caller's participant item on their shard, one round trip. */
  async loadWithParticipant(liveClassId: string, shard: number, userId: string) {
    const [liveClass, participant] = await getItemsInOrder([
      keys.liveClass(liveClassId),
      keys.liveClassParticipant(liveClassId, shard, userId),
    ]);
    return { liveClass: parseLiveClass(liveClass), participant: parseParticipant(participant) };
  },

  /** The caller's shard gate and participant item: one partition, never the class item. */
  async loadShard(liveClassId: string, shard: number, userId: string) {
    const [gate, participant] = await getItemsInOrder([
      keys.liveClassGate(liveClassId, shard),
      keys.liveClassParticipant(liveClassId, shard, userId),
    ]);
    return { gate: parseGate(gate), participant: parseParticipant(participant) };
  },

  /** A page of a course's classes in listing order, after the class a cursor names. */
  async listByCourse(courseId: string, limit: number, after?: { s: string; c: string }) {
    const page = await queryIndexPage({
      partition: keys.courseLiveClassesPartition(courseId),
      limit,
      newestFirst: false,
      startKey: after ? { ...keys.liveClass(after.c), ...keys.courseLiveClassesIndex(courseId, after.s, after.c) } : undefined,
    });
    return { classes: page.items.map((item): LiveClassRecord => LiveClassItem.parse(item)), more: page.more };
  },

  parts: {
    /**
     * The class, its room-name claim and every shard's gate (`class`, `room`, `gate0`...): a taken
     * id (`class`) or room name (`room`) fails its part.
     */
    create(liveClass: LiveClassRecord): Parts {
      const parts: Parts = {
        class: {
          Put: {
            TableName: tableName(),
            Item: toAttributes({
              ...keys.liveClass(liveClass.live_class_id),
              ...keys.courseLiveClassesIndex(liveClass.course_id, sortTimeOf(liveClass), liveClass.live_class_id),
              type: 'live-class',
              ...liveClass,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        room: {
          Put: {
            TableName: tableName(),
            Item: toAttributes({
              ...keys.room(liveClass.room_name),
              type: 'room',
              room_name: liveClass.room_name,
              live_class_id: liveClass.live_class_id,
              course_id: liveClass.course_id,
            }),
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      };
      for (const shard of shards()) parts[`gate${shard}`] = gatePut(liveClass, shard);
      return parts;
    },

    /** The class item has this status. */
    statusIs: (liveClassId: string, status: LiveClassStatus): TransactWriteItem => ({
      ConditionCheck: {
        TableName: tableName(),
        Key: toAttributes(keys.liveClass(liveClassId)),
        ConditionExpression: '#status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: toValues({ ':status': status }),
      },
    }),

    /**
     * The class item (`class`, conditional on its status being `from`) and every shard's gate
     * (`gate0`...) change status together, so a join (which reads only its gate) never sees a
     * status the class does not have. `by` is recorded on the class when a user made the change.
     */
    statusTransition(liveClassId: string, from: LiveClassStatus, to: 'live' | 'ended', at: string, by?: string): Parts {
      const time = to === 'live' ? 'started' : 'ended';
      const parts: Parts = {
        class: {
          Update: {
            TableName: tableName(),
            Key: toAttributes(keys.liveClass(liveClassId)),
            // The end leaves the sweeper's queue (gsi4) in the same write.
            UpdateExpression: `SET #status = :to, ${time}_at = :at${by === undefined ? '' : `, ${time}_by = :by`}${
              to === 'ended' ? ' REMOVE gsi4pk, gsi4sk, empty_since' : ''
            }`,
            ConditionExpression: '#status = :from',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: toValues({ ':to': to, ':from': from, ':at': at, ...(by === undefined ? {} : { ':by': by }) }),
          },
        },
      };
      for (const shard of shards()) {
        parts[`gate${shard}`] = {
          Update: {
            TableName: tableName(),
            Key: toAttributes(keys.liveClassGate(liveClassId, shard)),
            UpdateExpression: `SET #status = :to, ${time}_at = :at`,
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: toValues({ ':to': to, ':at': at }),
          },
        };
      }
      return parts;
    },
  },
};
