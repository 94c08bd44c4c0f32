import { AppError, validationError } from '../errors';
import type { LeftReason, ParticipantRecord } from '../db/participants';

// The room engine's pure rules (no I/O): session views, the join rate, attendance totals, the
// one cursor codec. Tested without a database in room-rules.test.ts.

export interface SessionView {
  joined_at: string;
  left_at: string | null;
  duration_seconds: number | null;
  left_reason: LeftReason | null;
}

export const secondsBetween = (from: string, to: string) => Math.max(0, Math.round((Date.parse(to) - Date.parse(from)) / 1000));
const earlier = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);

/**
 * Every session of one user (all their items: the participant item and its archives), oldest
 * first. Once the room has ended, a session still open (its close not yet done, or a join that
 * raced the end) is reported as closed at the end, and no session reaches past the end.
 */
export function sessionViews(items: ParticipantRecord[], endedAt: string | undefined): SessionView[] {
  const views: SessionView[] = [];
  const add = (joinedAt: string, leftAt: string | null, reason: LeftReason | undefined) => {
    const joined = endedAt ? earlier(joinedAt, endedAt) : joinedAt;
    const left = leftAt && endedAt ? earlier(leftAt, endedAt) : leftAt;
    // Cut short by the end, or stored before reasons were recorded and closed at the end.
    const clipped = left !== null && endedAt !== undefined && (left !== leftAt || (!reason && left === endedAt));
    const leftReason = left === null ? null : clipped ? 'call_ended' : (reason ?? 'left');
    views.push({ joined_at: joined, left_at: left, duration_seconds: left ? secondsBetween(joined, left) : null, left_reason: leftReason });
  };
  for (const item of items) {
    for (const session of item.sessions ?? []) add(session.joined_at, session.left_at, session.left_reason);
    if (item.open_joined_at) add(item.open_joined_at, endedAt ?? null, 'call_ended');
  }
  return views.sort((a, b) => a.joined_at.localeCompare(b.joined_at));
}

/** Participant items grouped by user (a Map: user ids such as `__proto__` are plain keys here). */
export function byUser(items: ParticipantRecord[]): Map<string, ParticipantRecord[]> {
  const users = new Map<string, ParticipantRecord[]>();
  for (const item of items) users.set(item.user_id, [...(users.get(item.user_id) ?? []), item]);
  return users;
}

/** Seconds attended; a session still open counts up to `now`. */
export const totalSeconds = (sessions: SessionView[], now: string) =>
  sessions.reduce((total, session) => total + (session.duration_seconds ?? secondsBetween(session.joined_at, now)), 0);

/** A participant may join this many times in any 60 seconds: a reload is one join, a loop is many. */
export const JOINS_PER_MINUTE = 20;
const WINDOW_MS = 60_000;

/**
 * Refuses a join past the rate with 429 and the seconds until the oldest join in the window
 * leaves it: a true Retry-After (joining then succeeds, unless the client kept looping).
 */
export function assertJoinRate(participant: ParticipantRecord | undefined, nowMs: number): void {
  const recent = [
    ...(participant?.sessions ?? []).map((session) => session.joined_at),
    ...(participant?.open_joined_at ? [participant.open_joined_at] : []),
  ]
    .map((joinedAt) => Date.parse(joinedAt))
    .filter((joinedMs) => joinedMs > nowMs - WINDOW_MS)
    .sort((a, b) => a - b);
  if (recent.length < JOINS_PER_MINUTE) return;
  const oldestCounted = recent[recent.length - JOINS_PER_MINUTE] as number;
  const retryAfter = Math.max(1, Math.ceil((oldestCounted + WINDOW_MS - nowMs) / 1000));
  throw new AppError('rate_limited', `At most ${JOINS_PER_MINUTE} joins per minute per participant; try again in ${retryAfter} s.`, {
    headers: { 'retry-after': String(retryAfter) },
  });
}

export interface ListCursor {
  /** The sort time of the last item of the page. */
  s: string;
  /** The id of the last item of the page. */
  c: string;
}

/** The one cursor codec: base64url JSON of the last item's sort time and id; anything else is 400. */
export function decodeCursor(cursor: string, idPattern: RegExp): ListCursor {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<ListCursor>;
    if (typeof parsed.s === 'string' && parsed.s.length <= 40 && typeof parsed.c === 'string' && idPattern.test(parsed.c)) {
      return { s: parsed.s, c: parsed.c };
    }
  } catch {
    // not base64url JSON: answered below
  }
  throw validationError('The cursor is not valid.', [{ field: 'query.cursor', problem: 'is not a cursor this API issued' }]);
}

export const encodeCursor = (cursor: ListCursor) => Buffer.from(JSON.stringify({ s: cursor.s, c: cursor.c })).toString('base64url');
