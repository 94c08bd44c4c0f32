import { randomUUID } from 'node:crypto';
import { AppError, forbidden, notFound, validationError } from '../errors';
import type { Caller } from '../http/auth';
import { fromAttributes } from '../db/client';
import { retryOnConflict, RETRY } from '../db/items';
import { isManager, MAX_THREAD_MEMBERS, threadStore, type MemberRecord, type ThreadRecord, type ThreadRole } from '../db/threads';
import { conditionFailedOn, transaction } from '../db/transaction';
import { kickFromCall } from './jitsi-end';

export { MAX_THREAD_MEMBERS, type ThreadRole } from '../db/threads';

export interface ThreadView {
  thread_id: string;
  title: string | null;
  created_by: string;
  created_at: string;
  members: { user_id: string; role: ThreadRole }[];
}

export const notAMember = () => new AppError('not_a_thread_member', 'You are not a member of this thread.');
const threadFull = () =>
  validationError(`A thread has at most ${MAX_THREAD_MEMBERS} members.`, [{ field: 'path.user_id', problem: 'thread is full' }]);
const roleChanged = () => forbidden('Your role in this thread changed; reload and try again.');

export const toThreadView = ({ thread, members }: { thread: ThreadRecord; members: MemberRecord[] }): ThreadView => ({
  thread_id: thread.thread_id,
  title: thread.title ?? null,
  created_by: thread.created_by,
  created_at: thread.created_at,
  members: members
    .map(({ user_id, role }) => ({ user_id, role }))
    .sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : 0)),
});

export async function createThread(caller: Caller, input: { title?: string | undefined; member_ids: string[] }, now = new Date()) {
  const createdAt = now.toISOString();
  const threadId = randomUUID();
  // A Map, not an object: user ids such as `__proto__` or `constructor` are ids like any other.
  const roles = new Map<string, ThreadRole>();
  for (const memberId of input.member_ids) roles.set(memberId, 'member');
  roles.set(caller.userId, 'owner');
  const members: MemberRecord[] = [...roles].map(([user_id, role]) => ({ thread_id: threadId, user_id, role, added_at: createdAt }));
  const thread = { thread_id: threadId, ...(input.title ? { title: input.title } : {}), created_by: caller.userId, created_at: createdAt };
  await threadStore.create(thread, members);
  return toThreadView({ thread: { ...thread, member_count: members.length }, members });
}

/** The thread with its members, if the caller may read it: its members and admins. */
export async function readableThread(caller: Caller, threadId: string) {
  const { thread, members } = await threadStore.loadWithMembers(threadId);
  if (!thread) throw notFound('Thread');
  if (!caller.isAdmin && !members.some((member) => member.user_id === caller.userId)) throw notAMember();
  return { thread, members };
}

/** The thread and the caller's member item; 404 before 403, and outsiders are refused. */
async function managedThread(caller: Caller, threadId: string) {
  const { thread, member } = await threadStore.loadWithMember(threadId, caller.userId);
  if (!thread) throw notFound('Thread');
  if (caller.isAdmin || isManager(member)) return thread;
  if (!member) throw notAMember();
  throw forbidden('Only the thread owner, a moderator or an admin can manage members.');
}

/**
 * Adds a member (the thread's count goes up in the same transaction, conditional on the cap) or
 * changes a member's role. The caller's role is re-checked in the transaction. Concurrent adds
 * conflict on the thread item and are retried; past the cap they answer 400, whatever the timing.
 */
export async function putMember(caller: Caller, threadId: string, userId: string, role: 'member' | 'moderator') {
  await managedThread(caller, threadId);
  return retryOnConflict(async () => {
    const existing = await threadStore.loadMember(threadId, userId);
    if (existing?.role === 'owner') throw forbidden("The thread owner's role cannot be changed.");
    const manager = caller.isAdmin ? undefined : threadStore.parts.isManager(threadId, caller.userId);
    const outcome = await transaction({
      manager,
      member: existing
        ? threadStore.parts.changeRole(threadId, userId, role)
        : threadStore.parts.addMember({ thread_id: threadId, user_id: userId, role, added_at: new Date().toISOString() }),
      count: existing ? undefined : threadStore.parts.countUp(threadId),
    });
    if (outcome.ok) return { user_id: userId, role };
    const { failed } = outcome;
    if (conditionFailedOn(failed.manager)) throw roleChanged();
    if (conditionFailedOn(failed.count)) {
      if (!failed.count?.item) throw notFound('Thread');
      const thread = threadStore.parseThread(fromAttributes(failed.count.item));
      if (thread.member_count >= MAX_THREAD_MEMBERS) throw threadFull();
    }
    // The member was added, removed or promoted meanwhile, or a conflict: read again.
    return RETRY;
  });
}

export async function removeMember(caller: Caller, threadId: string, userId: string): Promise<void> {
  const leavingThemselves = userId === caller.userId;
  if (!leavingThemselves) await managedThread(caller, threadId);
  const removedFrom = await retryOnConflict(async () => {
    const { thread, member } = await threadStore.loadWithMember(threadId, userId);
    if (!thread) throw notFound('Thread');
    if (!member) return undefined;
    if (!leavingThemselves && member.role === 'owner' && !caller.isAdmin) throw forbidden('Only an admin can remove the thread owner.');
    const guarded = !leavingThemselves && !caller.isAdmin;
    const outcome = await transaction({
      manager: guarded ? threadStore.parts.isManager(threadId, caller.userId) : undefined,
      member: threadStore.parts.removeMember(threadId, userId, guarded),
      count: threadStore.parts.countDown(threadId),
    });
    if (outcome.ok) return thread;
    if (conditionFailedOn(outcome.failed.manager)) throw roleChanged();
    return RETRY;
  });
  if (removedFrom?.active_call_id) await kickFromCall(removedFrom.active_call_id, userId);
}
