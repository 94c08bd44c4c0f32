import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { AppError } from '../errors';
import { tableName, toAttributes, toValues, type Item } from '../db/client';
import { retryOnConflict, RETRY, updateIf } from '../db/items';
import type { ItemKey } from '../db/keys';

// A participant's sessions in one call or class live on one item: closed sessions in a list,
// the open one (if any) in `open_joined_at`. Every change is conditional on the open session the
// writer saw, so a join, leave or end racing another never loses or duplicates a session.

export interface ClosedSession {
  joined_at: string;
  left_at: string;
}

export interface ParticipantRecord {
  user_id: string;
  open_joined_at?: string;
  sessions?: ClosedSession[];
  role?: string;
}

export interface SessionView {
  joined_at: string;
  left_at: string | null;
  duration_seconds: number | null;
}

export const secondsBetween = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));

/** An Update for a join: opens a session, closing a still-open one (a rejoin after a reload) at `now`. */
/** Far below the 400 KB item limit; past it a client is looping on join, not attending. */
export const MAX_SESSIONS_PER_PARTICIPANT = 500;

export function openSessionWrite(
  key: ItemKey,
  userId: string,
  seen: ParticipantRecord | undefined,
  now: string,
  extra: Item = {},
): TransactWriteItem {
  if ((seen?.sessions?.length ?? 0) >= MAX_SESSIONS_PER_PARTICIPANT) {
    throw new AppError('rate_limited', `At most ${MAX_SESSIONS_PER_PARTICIPANT} sessions per participant; stop rejoining.`, {
      headers: { 'retry-after': '60' },
    });
  }
  const previous = seen?.open_joined_at;
  const extraNames = Object.keys(extra);
  const setExtra = extraNames.map((name, index) => `#x${index} = :x${index}`);
  const values: Item = { ':now': now, ':user': userId, ':empty': [] };
  extraNames.forEach((name, index) => (values[`:x${index}`] = extra[name]));
  const names: Record<string, string> = {};
  extraNames.forEach((name, index) => (names[`#x${index}`] = name));
  let update = ['open_joined_at = :now', 'user_id = :user', ...setExtra];
  let condition = 'attribute_not_exists(open_joined_at)';
  if (previous) {
    values[':previous'] = previous;
    values[':closed'] = [{ joined_at: previous, left_at: now }];
    update = [...update, 'sessions = list_append(if_not_exists(sessions, :empty), :closed)'];
    condition = 'open_joined_at = :previous';
  } else {
    update = [...update, 'sessions = if_not_exists(sessions, :empty)'];
  }
  return {
    Update: {
      TableName: tableName(),
      Key: toAttributes(key),
      UpdateExpression: `SET ${update.join(', ')}`,
      ConditionExpression: condition,
      ...(extraNames.length ? { ExpressionAttributeNames: names } : {}),
      ExpressionAttributeValues: toValues(values),
    },
  };
}

/** Closes the open session the caller saw; false if someone else changed it first. */
export function closeOpenSession(key: ItemKey, openJoinedAt: string, leftAt: string): Promise<boolean> {
  return updateIf({
    TableName: tableName(),
    Key: toAttributes(key),
    UpdateExpression: 'REMOVE open_joined_at SET sessions = list_append(if_not_exists(sessions, :empty), :closed)',
    ConditionExpression: 'open_joined_at = :open',
    ExpressionAttributeValues: toValues({ ':open': openJoinedAt, ':empty': [], ':closed': [{ joined_at: openJoinedAt, left_at: leftAt }] }),
  });
}

/**
 * Every session of a participant, oldest first. Once the call has ended, a session still open
 * (its close interrupted) is reported as closed at the end, which is when it ended.
 */
export function sessionViews(participant: ParticipantRecord, endedAt: string | undefined): SessionView[] {
  const views: SessionView[] = (participant.sessions ?? []).map((session) => ({
    joined_at: session.joined_at,
    left_at: session.left_at,
    duration_seconds: secondsBetween(session.joined_at, session.left_at),
  }));
  if (participant.open_joined_at) {
    const leftAt = endedAt ?? null;
    views.push({
      joined_at: participant.open_joined_at,
      left_at: leftAt,
      duration_seconds: leftAt ? secondsBetween(participant.open_joined_at, leftAt) : null,
    });
  }
  return views.sort((a, b) => a.joined_at.localeCompare(b.joined_at));
}

/** Closes every open session at `endedAt`, a few at a time; lost races mean someone left first. */
export async function closeAllOpenSessions(entries: { key: ItemKey; participant: ParticipantRecord }[], endedAt: string): Promise<void> {
  const open = entries.filter((entry) => entry.participant.open_joined_at);
  const CONCURRENCY = 10;
  for (let index = 0; index < open.length; index += CONCURRENCY) {
    await Promise.all(
      open
        .slice(index, index + CONCURRENCY)
        .map(({ key, participant }) => closeOpenSession(key, participant.open_joined_at as string, endedAt)),
    );
  }
}

export interface LeaveTarget {
  key: ItemKey;
  /** The participant item and whether (and when) the call or class ended, read afresh each attempt. */
  load: () => Promise<{ participant: ParticipantRecord | undefined; endedAt: string | undefined }>;
  notInCall: () => Error;
}

/**
 * Closes the caller's open session, retrying when a concurrent join or leave changed it first.
 * A leave that arrives just after the end finds its session already closed at the end: that
 * session is the answer, not an error.
 */
export function leaveOpenSession({ key, load, notInCall }: LeaveTarget): Promise<ClosedSession> {
  return retryOnConflict(async () => {
    const { participant, endedAt } = await load();
    const openSince = participant?.open_joined_at;
    if (!openSince) {
      const last = participant?.sessions?.at(-1);
      if (endedAt && last && last.left_at === endedAt) return last;
      throw notInCall();
    }
    const leftAt = endedAt ?? new Date().toISOString();
    return (await closeOpenSession(key, openSince, leftAt)) ? { joined_at: openSince, left_at: leftAt } : RETRY;
  });
}

export const sessionDuration = (session: ClosedSession) => ({
  joined_at: session.joined_at,
  left_at: session.left_at,
  duration_seconds: secondsBetween(session.joined_at, session.left_at),
});
