import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { randomUUID } from 'node:crypto';
import { AppError, forbidden, notFound, validationError } from '../errors';
import type { Caller } from '../http/auth';
import { dynamo, send, tableName, toAttributes, toValues } from '../db/client';
import { getItem, updateIf } from '../db/items';
import { keys } from '../db/keys';

// Members live in a map on the thread item: a thread is created in one atomic write, read in one
// GetItem, and a membership check is a condition on that item (see docs/data-model.md).
export const MAX_THREAD_MEMBERS = 1000;

export type ThreadRole = 'owner' | 'moderator' | 'member';

interface MemberRecord {
  role: ThreadRole;
  added_at: string;
}

export interface ThreadRecord {
  thread_id: string;
  title?: string;
  created_by: string;
  created_at: string;
  members: Record<string, MemberRecord>;
  active_call_id?: string;
}

export interface ThreadView {
  thread_id: string;
  title: string | null;
  created_by: string;
  created_at: string;
  members: { user_id: string; role: ThreadRole }[];
}

export const toThreadView = (thread: ThreadRecord): ThreadView => ({
  thread_id: thread.thread_id,
  title: thread.title ?? null,
  created_by: thread.created_by,
  created_at: thread.created_at,
  members: Object.entries(thread.members)
    .map(([user_id, member]) => ({ user_id, role: member.role }))
    .sort((a, b) => a.user_id.localeCompare(b.user_id)),
});

export async function createThread(caller: Caller, input: { title?: string | undefined; member_ids: string[] }, now = new Date()) {
  const createdAt = now.toISOString();
  const members: Record<string, MemberRecord> = {};
  for (const memberId of input.member_ids) members[memberId] = { role: 'member', added_at: createdAt };
  members[caller.userId] = { role: 'owner', added_at: createdAt };
  const thread: ThreadRecord = {
    thread_id: randomUUID(),
    ...(input.title ? { title: input.title } : {}),
    created_by: caller.userId,
    created_at: createdAt,
    members,
  };
  await send(
    dynamo().send(
      new PutItemCommand({
        TableName: tableName(),
        Item: toAttributes({ ...keys.thread(thread.thread_id), type: 'thread', ...thread }),
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
  return toThreadView(thread);
}

export const loadThread = (threadId: string) => getItem<ThreadRecord>(keys.thread(threadId));

export const memberRole = (thread: ThreadRecord, userId: string): ThreadRole | undefined => thread.members[userId]?.role;

/** The thread, if the caller may read it: its members and admins. */
export async function readableThread(caller: Caller, threadId: string): Promise<ThreadRecord> {
  const thread = await loadThread(threadId);
  if (!thread) throw notFound('Thread');
  if (!caller.isAdmin && !memberRole(thread, caller.userId)) {
    throw new AppError('not_a_thread_member', 'You are not a member of this thread.');
  }
  return thread;
}

const roleChanged = () => forbidden('Your role in this thread changed; reload and try again.');

const canManageMembers = (thread: ThreadRecord, caller: Caller) => {
  const role = memberRole(thread, caller.userId);
  return caller.isAdmin || role === 'owner' || role === 'moderator';
};

function assertCanManage(thread: ThreadRecord, caller: Caller) {
  if (canManageMembers(thread, caller)) return;
  if (!memberRole(thread, caller.userId)) throw new AppError('not_a_thread_member', 'You are not a member of this thread.');
  throw forbidden('Only the thread owner, a moderator or an admin can manage members.');
}

// The condition re-checks what the read allowed, so a role change racing this write cannot slip through.
function managerCondition(caller: Caller) {
  return caller.isAdmin
    ? 'attribute_exists(pk)'
    : 'attribute_exists(pk) AND (members.#caller.#role = :owner OR members.#caller.#role = :moderator)';
}

export async function putMember(caller: Caller, threadId: string, userId: string, role: 'member' | 'moderator') {
  const thread = await loadThread(threadId);
  if (!thread) throw notFound('Thread');
  assertCanManage(thread, caller);
  const existing = thread.members[userId];
  if (existing?.role === 'owner') throw forbidden("The thread owner's role cannot be changed.");
  if (!existing && Object.keys(thread.members).length >= MAX_THREAD_MEMBERS) {
    throw validationError(`A thread has at most ${MAX_THREAD_MEMBERS} members.`, [{ field: 'path.user_id', problem: 'thread is full' }]);
  }
  const member: MemberRecord = { role, added_at: existing?.added_at ?? new Date().toISOString() };
  const written = await updateIf({
    TableName: tableName(),
    Key: toAttributes(keys.thread(threadId)),
    UpdateExpression: 'SET members.#user = :member',
    ConditionExpression: `${managerCondition(caller)} AND (attribute_not_exists(members.#user) OR members.#user.#role <> :owner) AND (attribute_exists(members.#user) OR size(members) < :max)`,
    ExpressionAttributeNames: { '#user': userId, '#role': 'role', ...(caller.isAdmin ? {} : { '#caller': caller.userId }) },
    ExpressionAttributeValues: toValues({
      ':member': member,
      ':owner': 'owner',
      ':max': MAX_THREAD_MEMBERS,
      ...(caller.isAdmin ? {} : { ':moderator': 'moderator' }),
    }),
  });
  if (!written) throw roleChanged();
  return { user_id: userId, role };
}

export async function removeMember(caller: Caller, threadId: string, userId: string): Promise<void> {
  const thread = await loadThread(threadId);
  if (!thread) throw notFound('Thread');
  const leavingThemselves = userId === caller.userId;
  if (!leavingThemselves) {
    assertCanManage(thread, caller);
    if (memberRole(thread, userId) === 'owner' && !caller.isAdmin) throw forbidden('Only an admin can remove the thread owner.');
  }
  if (!thread.members[userId]) return;
  const guarded = !leavingThemselves && !caller.isAdmin;
  const written = await updateIf({
    TableName: tableName(),
    Key: toAttributes(keys.thread(threadId)),
    UpdateExpression: 'REMOVE members.#user',
    ConditionExpression: guarded ? `${managerCondition(caller)} AND members.#user.#role <> :owner` : 'attribute_exists(pk)',
    ExpressionAttributeNames: { '#user': userId, ...(guarded ? { '#caller': caller.userId, '#role': 'role' } : {}) },
    ...(guarded ? { ExpressionAttributeValues: toValues({ ':owner': 'owner', ':moderator': 'moderator' }) } : {}),
  });
  if (!written) throw roleChanged();
}
