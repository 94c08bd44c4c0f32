import type { ClosedSession, OccupantRecord } from '../db/participants';

// How Jitsi's presence events change one user's sessions in one room (pure, no I/O; tested in
// presence-rules.test.ts). Jitsi's times are authoritative and each event carries its
// occupant's own interval (`joined_at`, and `left_at` when it left), so the state is the union
// of the user's occupant intervals: the same events in any order, or twice, give the same
// sessions. A user with two devices is in the room while either is; a session Jitsi closed is
// `disconnected`. Sessions closed by the API (`left`, `call_ended`) are never rewritten.

export type PresenceEvent =
  | { kind: 'joined'; occupant: string; joinedAt: string }
  /** `byEnd`: the room's end closed it (what Jitsi said of the room, not of this occupant). */
  | { kind: 'left'; occupant: string; joinedAt: string; leftAt: string; byEnd?: boolean };

export interface PresenceState {
  open_joined_at: string | undefined;
  /** The open session was opened by Jitsi's word, not an API join (so it is no anchor). */
  open_from_presence?: boolean;
  sessions: ClosedSession[];
  occupants: Record<string, OccupantRecord>;
  /** Occupants that left by then were pruned: their sessions are kept as they are, and events about them ignored. */
  pruned_until?: string;
}

/**
 * The occupant key of a room end's mark: it closes at the end an API join no occupant confirmed,
 * without counting as presence (a late left of a real occupant must not be stretched by it).
 */
export const ROOM_END_MARK = 'room-destroyed:';

/** Occupants that left are kept (for duplicates and late events) up to this many per user and room. */
export const MAX_OCCUPANTS_KEPT = 50;

const ms = Date.parse;
const min = (a: string, b: string) => (ms(a) <= ms(b) ? a : b);
const max = (a: string, b: string) => (ms(a) >= ms(b) ? a : b);
// Jitsi reports whole seconds and the API milliseconds: an API time is compared with a Jitsi end
// at its whole second, or a presence that ends in the second of the join would miss it.
const wholeSecond = (iso: string) => Math.floor(ms(iso) / 1000) * 1000;

/**
 * The state after `event`, or undefined when it changes nothing (a duplicate, or an occupant
 * already known to have left). Once the room has ended (`endedAt`), the sessions are still
 * derived, clamped to the end: a late left can only shorten what the end closed.
 */
export function applyPresence(state: PresenceState, event: PresenceEvent, endedAt?: string): PresenceState | undefined {
  const known = state.occupants[event.occupant];
  let occupants: Record<string, OccupantRecord>;
  if (event.kind === 'joined') {
    // A join already known changes nothing, unless it is earlier than what a left (which did not
    // carry its join time: JaaS's PARTICIPANT_LEFT) recorded: the earliest join wins.
    if (known && ms(known.joined_at) <= ms(event.joinedAt)) return undefined;
    // An unknown occupant that joined before the pruning horizon: one of those pruned, told again.
    if (!known && state.pruned_until && ms(event.joinedAt) <= ms(state.pruned_until)) return undefined;
    occupants = { ...state.occupants, [event.occupant]: { ...known, joined_at: event.joinedAt } };
  } else {
    // An occupant's own left lowers a left_at the room's end assumed (delivered first); nothing
    // else changes a known left, so the same events in any order give the same state.
    const lowers = known?.left_by_end && !event.byEnd && ms(event.leftAt) < ms(known.left_at ?? event.leftAt);
    if (known?.left_at && !lowers) return undefined;
    const horizon = known ? undefined : state.pruned_until;
    if (horizon && ms(event.leftAt) <= ms(horizon)) return undefined;
    // A skewed clock never gives a negative interval; nothing new reaches back into pruned sessions.
    const from = min(known?.joined_at ?? event.joinedAt, event.leftAt);
    const occupant: OccupantRecord = {
      joined_at: horizon ? max(from, horizon) : from,
      left_at: event.leftAt,
      ...(event.byEnd ? { left_by_end: true } : {}),
    };
    occupants = { ...state.occupants, [event.occupant]: occupant };
  }
  return prune(derive(state, occupants, endedAt));
}

interface Block {
  start: string;
  end: string | undefined;
}

/**
 * The union of the occupants' intervals, oldest first: one still in the room reaches to the end of
 * time, or to the room's end (`endedAt`), when it has ended; one that joined after the end is not in it.
 */
function blocksOf(occupants: Record<string, OccupantRecord>, endedAt: string | undefined): Block[] {
  const spans = Object.entries(occupants)
    .filter(([jid, occupant]) => !jid.startsWith(ROOM_END_MARK) && !(endedAt && ms(occupant.joined_at) > ms(endedAt)))
    // Nobody stays past the room's end, even by a left delivered after it.
    .map(([, occupant]) => ({
      start: occupant.joined_at,
      end: endedAt && occupant.left_at ? min(occupant.left_at, endedAt) : (occupant.left_at ?? endedAt),
    }))
    .sort((a, b) => ms(a.start) - ms(b.start));
  const blocks: Block[] = [];
  for (const span of spans) {
    const last = blocks.at(-1);
    if (last && (last.end === undefined || ms(span.start) <= ms(last.end))) {
      last.end = last.end === undefined || span.end === undefined ? undefined : max(last.end, span.end);
    } else blocks.push({ ...span });
  }
  return blocks;
}

/**
 * The sessions from scratch: the API's own closes kept, Jitsi's blocks as `disconnected`
 * sessions, and each API join (the open session, or one Jitsi closed: `anchored`) reaching
 * from its join time to the end of the first block that ends after it. Recomputed from the
 * occupants every time, so the order the events came in cannot matter.
 */
function derive(state: PresenceState, occupants: Record<string, OccupantRecord>, endedAt: string | undefined): PresenceState {
  const apiClosed = state.sessions.filter((session) => session.left_reason !== 'disconnected');
  // Sessions of pruned occupants stay as they were derived (their occupants are gone).
  const horizon = state.pruned_until;
  const isFrozen = (session: ClosedSession) => horizon !== undefined && ms(session.left_at) <= ms(horizon);
  const frozen = state.sessions.filter((session) => session.left_reason === 'disconnected' && isFrozen(session));
  const anchors = [
    ...state.sessions
      .filter((session) => session.left_reason === 'disconnected' && session.anchored && !isFrozen(session))
      .map((session) => session.joined_at),
    ...(state.open_joined_at && !state.open_from_presence ? [state.open_joined_at] : []),
  ];
  // A device still reported after the user left through the API is not a new session.
  const blocks = blocksOf(occupants, endedAt).filter(
    (block) =>
      !apiClosed.some(
        (session) => ms(block.start) <= ms(session.left_at) && (block.end === undefined || ms(block.end) >= wholeSecond(session.joined_at)),
      ),
  );
  // A room's end closes an API join no occupant confirmed (an end mark), as the end of the room does.
  const ends = [
    ...Object.entries(occupants)
      .filter(([jid]) => jid.startsWith(ROOM_END_MARK))
      .map(([, mark]) => mark.left_at ?? mark.joined_at),
    ...(endedAt ? [endedAt] : []),
  ];
  const starts = new Map<Block, { start: string; anchored: boolean }>();
  let unconfirmed: string | undefined;
  for (const anchor of anchors) {
    let block = blocks.find((candidate) => candidate.end === undefined || ms(candidate.end) >= wholeSecond(anchor));
    const end = ends.filter((at) => ms(at) >= wholeSecond(anchor)).sort((a, b) => ms(a) - ms(b))[0];
    // A room's end before the block found closed this join: the block is a later visit (a live class goes on).
    if (end && (!block || ms(end) < ms(block.start))) {
      block = { start: min(anchor, end), end };
      blocks.push(block);
      blocks.sort((a, b) => ms(a.start) - ms(b.start));
    }
    if (!block) {
      unconfirmed = unconfirmed ? min(unconfirmed, anchor) : anchor;
      continue;
    }
    const current = starts.get(block);
    starts.set(block, { start: min(current?.start ?? block.start, anchor), anchored: true });
  }
  const sessions: ClosedSession[] = [...apiClosed, ...frozen];
  let open = unconfirmed;
  let fromPresence = false;
  for (const block of blocks) {
    const from = starts.get(block) ?? { start: block.start, anchored: false };
    if (block.end === undefined) {
      open = open ? min(open, from.start) : from.start;
      fromPresence = !from.anchored && !unconfirmed;
    } else
      sessions.push({
        joined_at: from.start,
        left_at: block.end,
        left_reason: 'disconnected',
        ...(from.anchored ? { anchored: true } : {}),
      });
  }
  return {
    open_joined_at: open,
    ...(open && fromPresence ? { open_from_presence: true } : {}),
    sessions,
    occupants,
    ...(horizon ? { pruned_until: horizon } : {}),
  };
}

/**
 * Keeps at most MAX_OCCUPANTS_KEPT occupants by forgetting the oldest closed blocks whole: their
 * sessions stay in the log as derived (and keep counting for the event marks), every occupant kept
 * starts after them, and events about a forgotten occupant (older than `pruned_until`) are ignored.
 */
function prune(state: PresenceState): PresenceState {
  const entries = Object.entries(state.occupants);
  if (entries.length <= MAX_OCCUPANTS_KEPT) return state;
  const real = entries.filter(([jid]) => !jid.startsWith(ROOM_END_MARK)).sort(([, a], [, b]) => ms(a.joined_at) - ms(b.joined_at));
  const blocks: { jids: string[]; end: string | undefined }[] = [];
  for (const [jid, occupant] of real) {
    const last = blocks.at(-1);
    if (last && (last.end === undefined || ms(occupant.joined_at) <= ms(last.end))) {
      last.jids.push(jid);
      last.end = last.end === undefined || occupant.left_at === undefined ? undefined : max(last.end, occupant.left_at);
    } else blocks.push({ jids: [jid], end: occupant.left_at });
  }
  let remaining = entries.length;
  let horizon = state.pruned_until;
  const drop = new Set<string>();
  for (const block of blocks) {
    if (remaining <= MAX_OCCUPANTS_KEPT || block.end === undefined) break;
    block.jids.forEach((jid) => drop.add(jid));
    remaining -= block.jids.length;
    horizon = horizon ? max(horizon, block.end) : block.end;
  }
  if (!horizon || drop.size === 0) return state;
  const until = horizon;
  for (const [jid, mark] of entries) if (jid.startsWith(ROOM_END_MARK) && mark.left_at && ms(mark.left_at) <= ms(until)) drop.add(jid);
  return { ...state, occupants: Object.fromEntries(entries.filter(([jid]) => !drop.has(jid))), pruned_until: until };
}

/** How many ParticipantJoined / _Left presence has written for one user and room so far. */
export interface EventMarks {
  joined: number;
  left: number;
}

/**
 * The session opens and closes a presence change made, for their ParticipantJoined / _Left events.
 * Counted against high-water marks kept on the participant item, not matched session by session:
 * a late event may rewrite sessions (an earlier join, a block merged into an open one and split
 * again) without opening or closing anything new, and a duplicate changes nothing, so neither
 * writes an event twice. Jitsi opened every `disconnected` session not anchored on an API join
 * (whose join wrote its own ParticipantJoined), every one the API closed that it opened
 * (`from_presence`), plus an open one it opened; it closed every
 * `disconnected` one. Which sessions the events describe: the newest ones this change produced.
 */
export function sessionTransitions(
  prev: PresenceState,
  next: PresenceState,
  marks: EventMarks = { joined: 0, left: 0 },
): { joined: string[]; left: ClosedSession[]; marks: EventMarks } {
  const closed = next.sessions.filter((session) => session.left_reason === 'disconnected');
  // A session Jitsi opened still counts once the API closed it (a leave, a reload's join), or the
  // mark would stay above the count and swallow the next ParticipantJoined.
  const closedByApi = next.sessions.filter((session) => session.left_reason !== 'disconnected' && session.from_presence);
  const openedByJitsi =
    closed.filter((session) => !session.anchored).length + closedByApi.length + (next.open_joined_at && next.open_from_presence ? 1 : 0);
  const key = (session: ClosedSession) => `${session.joined_at}|${session.left_at}`;
  const seen = new Set(prev.sessions.map(key));
  const newestFirst = [...closed].sort((a, b) => Number(seen.has(key(a))) - Number(seen.has(key(b))) || ms(b.left_at) - ms(a.left_at));
  const left = newestFirst.slice(0, Math.max(0, closed.length - marks.left));
  const starts = [
    ...(next.open_joined_at && next.open_from_presence ? [next.open_joined_at] : []),
    ...newestFirst.filter((session) => !session.anchored).map((session) => session.joined_at),
  ];
  const joined = starts.slice(0, Math.max(0, openedByJitsi - marks.joined));
  return { joined, left, marks: { joined: Math.max(marks.joined, openedByJitsi), left: Math.max(marks.left, closed.length) } };
}

/** The user's occupants still in the room (for a kick). */
export const occupantsInRoom = (occupants: Record<string, OccupantRecord> | undefined) =>
  Object.entries(occupants ?? {})
    .filter(([, occupant]) => occupant.left_at === undefined)
    .map(([jid]) => jid);

/**
 * An API join Jitsi never saw: the open session's user had no occupant in the room within
 * `confirmSeconds` of the join, in a room Jitsi reports presence for. Closed with duration 0.
 */
export function isNeverConnected(
  state: Pick<PresenceState, 'open_joined_at' | 'occupants'>,
  confirmSeconds: number,
  nowMs: number,
): boolean {
  const open = state.open_joined_at;
  if (!open) return false;
  const deadline = ms(open) + confirmSeconds * 1000;
  if (nowMs < deadline) return false;
  return !Object.values(state.occupants).some(
    (occupant) => ms(occupant.joined_at) <= deadline && (occupant.left_at === undefined || ms(occupant.left_at) >= wholeSecond(open)),
  );
}
