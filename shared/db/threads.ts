import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { tableName, toAttributes, toValues } from './client';
import { getItem, getItemsInOrder, parseItem, queryPartition, transactWrite } from './items';
import { keys, MEMBER_PREFIX } from './keys';

// The thread and member repository: every key, attribute name and expression for threads and
// their members lives here. Members are items (`THREAD#t / MEMBER#u`), so a membership check
// reads or condition-checks one small item whatever the size of the thread; the thread item
// keeps `member_count` for the cap and `active_call_id` for the one-active-call rule.

export const MAX_THREAD_MEMBERS = 1000;

export const ThreadRoleSchema = z.enum(['owner', 'moderator', 'member']);
export type ThreadRole = z.infer<typeof ThreadRoleSchema>;

const ThreadItem = z.looseObject({
  thread_id: z.string(),
  title: z.optional(z.string()),
  created_by: z.string(),
  created_at: z.string(),
  member_count: z.number(),
  active_call_id: z.optional(z.string()),
});
export type ThreadRecord = z.infer<typeof ThreadItem>;

const MemberItem = z.looseObject({ thread_id: z.string(), user_id: z.string(), role: ThreadRoleSchema, added_at: z.string() });
export type MemberRecord = z.infer<typeof MemberItem>;

// The permission rules of a thread, each beside the condition expression that enforces it.

/** Owners and moderators manage members (admins too, from their claim: no condition needed). */
export const isManager = (member: MemberRecord | undefined) => member?.role === 'owner' || member?.role === 'moderator';
const MANAGER_CONDITION = '#role IN (:owner, :moderator)';

/** A call's hosts: its initiator while still a member, or a thread owner or moderator. */
export const isCallHost = (member: MemberRecord | undefined, initiatorId: string) =>
  member !== undefined && (member.user_id === initiatorId || isManager(member));

const memberCondition = (condition: string, withRoles: boolean): TransactWriteItem['ConditionCheck'] & object => ({
  TableName: tableName(),
  Key: { pk: { S: '' }, sk: { S: '' } },
  ConditionExpression: condition,
  ...(withRoles
    ? {
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: toValues({ ':owner': 'owner', ':moderator': 'moderator' }),
      }
    : {}),
});

export const threadStore = {
  load: async (threadId: string) => parseItem(ThreadItem, await getItem(keys.thread(threadId))),

  loadMember: async (threadId: string, userId: string) => parseItem(MemberItem, await getItem(keys.threadMember(threadId, userId))),

  /** The thread and one member in one round trip. */
  async loadWithMember(threadId: string, userId: string) {
    const [thread, member] = await getItemsInOrder([keys.thread(threadId), keys.threadMember(threadId, userId)]);
    return { thread: parseItem(ThreadItem, thread), member: parseItem(MemberItem, member) };
  },

  /** The thread and every member: one Query of the thread's partition (a 1,000-member thread is about 100 KB, one page). */
  async loadWithMembers(threadId: string) {
    const items = await queryPartition<{ sk: string }>(keys.threadPartition(threadId));
    const thread = parseItem(
      ThreadItem,
      items.find((item) => item.sk === keys.thread(threadId).sk),
    );
    const members = items.filter((item) => item.sk.startsWith(MEMBER_PREFIX)).map((item) => MemberItem.parse(item));
    return { thread, members };
  },

  /**
   * Writes a new thread so that no reader ever sees it half made: the member items first (up to
   * 100 per transaction, side by side), the thread item last, with the last members. Every read
   * starts from the thread item, so until it exists the thread is a 404. A crash midway leaves
   * member items under a thread id nobody was given: unreachable, and harmless (see docs/data-model.md).
   */
  async create(thread: { thread_id: string; title?: string; created_by: string; created_at: string }, members: MemberRecord[]) {
    const puts = members.map((member) =>
      putNew({ ...keys.threadMember(thread.thread_id, member.user_id), type: 'thread-member', ...member }),
    );
    const threadPut = putNew({ ...keys.thread(thread.thread_id), type: 'thread', ...thread, member_count: members.length });
    const lastChunk = puts.length % 99 || 99;
    const early = puts.slice(0, puts.length - lastChunk);
    const chunks: TransactWriteItem[][] = [];
    for (let index = 0; index < early.length; index += 100) chunks.push(early.slice(index, index + 100));
    await Promise.all(chunks.map((chunk) => transactWrite(chunk)));
    await transactWrite([...puts.slice(puts.length - lastChunk), threadPut]);
  },

  parts: {
    /** Adds a member: the count goes up with the cap as the condition. */
    countUp: (threadId: string): TransactWriteItem => ({
      Update: {
        TableName: tableName(),
        Key: toAttributes(keys.thread(threadId)),
        UpdateExpression: 'SET member_count = member_count + :one',
        ConditionExpression: 'attribute_exists(pk) AND member_count < :max',
        ExpressionAttributeValues: toValues({ ':one': 1, ':max': MAX_THREAD_MEMBERS }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    countDown: (threadId: string): TransactWriteItem => ({
      Update: {
        TableName: tableName(),
        Key: toAttributes(keys.thread(threadId)),
        UpdateExpression: 'SET member_count = member_count - :one',
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: toValues({ ':one': 1 }),
      },
    }),
    addMember: (member: MemberRecord): TransactWriteItem =>
      putNew({ ...keys.threadMember(member.thread_id, member.user_id), type: 'thread-member', ...member }),
    /** Changes an existing member's role; never the owner's. */
    changeRole: (threadId: string, userId: string, role: ThreadRole): TransactWriteItem => ({
      Update: {
        TableName: tableName(),
        Key: toAttributes(keys.threadMember(threadId, userId)),
        UpdateExpression: 'SET #role = :role',
        ConditionExpression: 'attribute_exists(pk) AND #role <> :owner',
        ExpressionAttributeNames: { '#role': 'role' },
        ExpressionAttributeValues: toValues({ ':role': role, ':owner': 'owner' }),
      },
    }),
    removeMember: (threadId: string, userId: string, keepOwner: boolean): TransactWriteItem => ({
      Delete: {
        TableName: tableName(),
        Key: toAttributes(keys.threadMember(threadId, userId)),
        ConditionExpression: keepOwner ? 'attribute_exists(pk) AND #role <> :owner' : 'attribute_exists(pk)',
        ...(keepOwner ? { ExpressionAttributeNames: { '#role': 'role' }, ExpressionAttributeValues: toValues({ ':owner': 'owner' }) } : {}),
      },
    }),
    /** The caller is (still) a member. */
    isMember: (threadId: string, userId: string): TransactWriteItem => ({
      ConditionCheck: { ...memberCondition('attribute_exists(pk)', false), Key: toAttributes(keys.threadMember(threadId, userId)) },
    }),
    /** The caller is (still) an owner or moderator: isManager, enforced. */
    isManager: (threadId: string, userId: string): TransactWriteItem => ({
      ConditionCheck: { ...memberCondition(MANAGER_CONDITION, true), Key: toAttributes(keys.threadMember(threadId, userId)) },
    }),
    /** The caller is (still) a host of the call: isCallHost, enforced. */
    isCallHost: (threadId: string, userId: string, initiatorId: string): TransactWriteItem =>
      userId === initiatorId ? threadStore.parts.isMember(threadId, userId) : threadStore.parts.isManager(threadId, userId),
    /** Claims the thread's single active-call slot. */
    claimActiveCall: (threadId: string, callId: string): TransactWriteItem => ({
      Update: {
        TableName: tableName(),
        Key: toAttributes(keys.thread(threadId)),
        UpdateExpression: 'SET active_call_id = :call',
        ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(active_call_id)',
        ExpressionAttributeValues: toValues({ ':call': callId }),
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    }),
    releaseActiveCall: (threadId: string, callId: string): TransactWriteItem => ({
      Update: {
        TableName: tableName(),
        Key: toAttributes(keys.thread(threadId)),
        UpdateExpression: 'REMOVE active_call_id',
        ConditionExpression: 'active_call_id = :call',
        ExpressionAttributeValues: toValues({ ':call': callId }),
      },
    }),
  },

  parseThread: (item: Parameters<typeof ThreadItem.parse>[0]) => ThreadItem.parse(item),
};

function putNew(item: Record<string, unknown>): TransactWriteItem {
  return { Put: { TableName: tableName(), Item: toAttributes(item), ConditionExpression: 'attribute_not_exists(pk)' } };
}
