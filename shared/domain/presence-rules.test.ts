import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyPresence,
  isNeverConnected,
  MAX_OCCUPANTS_KEPT,
  ROOM_END_MARK,
  sessionTransitions,
  type PresenceEvent,
  type PresenceState,
} from './presence-rules';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 21, 9, 0, 0) + seconds * 1000).toISOString();
const empty: PresenceState = { open_joined_at: undefined, sessions: [], occupants: {} };
const joined = (occupant: string, from: number): PresenceEvent => ({ kind: 'joined', occupant, joinedAt: at(from) });
const left = (occupant: string, from: number, to: number): PresenceEvent => ({
  kind: 'left',
  occupant,
  joinedAt: at(from),
  leftAt: at(to),
});
const run = (events: PresenceEvent[], start: PresenceState = empty, endedAt?: string) =>
  events.reduce((state, event) => applyPresence(state, event, endedAt) ?? state, start);
const sorted = (state: PresenceState) => ({
  ...state,
  sessions: [...state.sessions].sort((a, b) => a.joined_at.localeCompare(b.joined_at)),
});

describe('applyPresence', () => {
  it('opens a session at Jitsi’s joined_at and closes it disconnected at left_at', () => {
    expect(run([joined('a', 10), left('a', 10, 70)])).toEqual({
      open_joined_at: undefined,
      sessions: [{ joined_at: at(10), left_at: at(70), left_reason: 'disconnected' }],
      occupants: { a: { joined_at: at(10), left_at: at(70) } },
    });
  });

  it('changes nothing for the same event twice', () => {
    const once = run([joined('a', 10)]);
    expect(applyPresence(once, joined('a', 10))).toBeUndefined();
    const closed = run([joined('a', 10), left('a', 10, 70)]);
    expect(applyPresence(closed, left('a', 10, 70))).toBeUndefined();
  });

  it('gives the same state for a left before its joined', () => {
    expect(run([left('a', 10, 70), joined('a', 10)])).toEqual(run([joined('a', 10), left('a', 10, 70)]));
  });

  it('gives the same state for a left without its join time (JaaS) before or after its joined: the earliest join wins', () => {
    // JaaS's PARTICIPANT_LEFT carries one timestamp: its joinedAt is the left time.
    const jaasLeft = left('a', 70, 70);
    const inOrder = run([joined('a', 10), jaasLeft]);
    expect(inOrder.sessions).toEqual([{ joined_at: at(10), left_at: at(70), left_reason: 'disconnected' }]);
    expect(run([jaasLeft, joined('a', 10)])).toEqual(inOrder);
    expect(run([jaasLeft, joined('a', 10), jaasLeft, joined('a', 10)])).toEqual(inOrder);
    expect(applyPresence(inOrder, joined('a', 10))).toBeUndefined();
    expect(applyPresence(inOrder, joined('a', 20))).toBeUndefined();
  });

  it('keeps the session open while a second device is in the room', () => {
    const state = run([joined('phone', 10), joined('laptop', 20), left('phone', 10, 30)]);
    expect(state.open_joined_at).toBe(at(10));
    expect(state.sessions).toEqual([]);
    expect(run([left('laptop', 20, 90)], state).sessions).toEqual([{ joined_at: at(10), left_at: at(90), left_reason: 'disconnected' }]);
  });

  it('confirms the API join’s open session and closes it when the last occupant leaves', () => {
    const apiJoined: PresenceState = { ...empty, open_joined_at: at(5) };
    const state = run([joined('a', 8), left('a', 8, 60)], apiJoined);
    expect(state.sessions).toEqual([{ joined_at: at(5), left_at: at(60), left_reason: 'disconnected', anchored: true }]);
    // Reordered: the left first, then its joined, then the same left again.
    expect(run([left('a', 8, 60), joined('a', 8), left('a', 8, 60)], apiJoined)).toEqual(state);
  });

  it('matches a presence that ends in the second of the API join (Jitsi whole seconds, API milliseconds)', () => {
    // Joined through the API at :05.606; Jitsi saw the device from :05 to :05 (whole seconds).
    const apiJoined: PresenceState = { ...empty, open_joined_at: new Date(Date.parse(at(5)) + 606).toISOString() };
    const inOrder = run([joined('a', 5), left('a', 5, 5)], apiJoined);
    expect(inOrder.open_joined_at).toBeUndefined();
    expect(inOrder.sessions).toEqual([{ joined_at: at(5), left_at: at(5), left_reason: 'disconnected', anchored: true }]);
    // The left first (or alone) must find the join too, not leave it open beside a second session.
    expect(run([left('a', 5, 5)], apiJoined)).toEqual(inOrder);
    expect(run([left('a', 5, 5), joined('a', 5)], apiJoined)).toEqual(inOrder);
  });

  it('does not close a session the user reopened through the API after the occupant left', () => {
    const rejoined: PresenceState = {
      open_joined_at: at(100),
      sessions: [{ joined_at: at(0), left_at: at(50), left_reason: 'left' }],
      occupants: {},
    };
    const state = run([left('a', 0, 40)], rejoined);
    expect(state.open_joined_at).toBe(at(100));
    expect(state.sessions).toContainEqual({ joined_at: at(0), left_at: at(50), left_reason: 'left' });
  });

  it('records only the occupants once the room has ended', () => {
    const state = run([joined('a', 10), left('a', 10, 70)], empty, at(5));
    expect(state.sessions).toEqual([]);
    expect(state.open_joined_at).toBeUndefined();
    expect(state.occupants.a).toEqual({ joined_at: at(10), left_at: at(70) });
  });

  it('gives the same session for a left delivered after the room’s end as before it (the end does not stretch it)', () => {
    // Device in from 0 to 1800; the room ends at 3600. The end closes what is still open at 3600.
    const end = (state: PresenceState) =>
      run(
        [
          ...Object.entries(state.occupants)
            .filter(([, occupant]) => !occupant.left_at)
            .map(([occupant, { joined_at }]): PresenceEvent => ({
              kind: 'left',
              occupant,
              joinedAt: joined_at,
              leftAt: at(3600),
              byEnd: true,
            })),
          ...(state.open_joined_at
            ? [{ kind: 'left', occupant: `${ROOM_END_MARK}${at(3600)}`, joinedAt: at(3600), leftAt: at(3600), byEnd: true } as const]
            : []),
        ],
        state,
      );
    for (const start of [empty, { ...empty, open_joined_at: at(0) }]) {
      const inOrder = run([left('a', 0, 1800)], end(run([joined('a', 0), left('a', 0, 1800)], start)), at(3600));
      const endFirst = run([left('a', 0, 1800)], end(run([joined('a', 0)], start)), at(3600));
      expect(inOrder.sessions).toEqual([
        { joined_at: at(0), left_at: at(1800), left_reason: 'disconnected', ...(start.open_joined_at ? { anchored: true } : {}) },
      ]);
      expect(endFirst.sessions).toEqual(inOrder.sessions);
      expect(endFirst.open_joined_at).toBeUndefined();
      // The end's own left again, or a left later than the end, changes nothing.
      expect(
        applyPresence(endFirst, { kind: 'left', occupant: 'a', joinedAt: at(0), leftAt: at(3600), byEnd: true }, at(3600)),
      ).toBeUndefined();
      expect(applyPresence(endFirst, left('a', 0, 4000), at(3600))).toBeUndefined();
    }
  });

  it('closes at the room’s end an API join no occupant confirmed', () => {
    const state = run([{ kind: 'left', occupant: `${ROOM_END_MARK}${at(3600)}`, joinedAt: at(3600), leftAt: at(3600), byEnd: true }], {
      ...empty,
      open_joined_at: at(5),
    });
    expect(state.open_joined_at).toBeUndefined();
    expect(state.sessions).toEqual([{ joined_at: at(5), left_at: at(3600), left_reason: 'disconnected', anchored: true }]);
  });

  it('keeps a session the room’s end closed when the user comes back later (a live class goes on)', () => {
    const endMark: PresenceEvent = { kind: 'left', occupant: `${ROOM_END_MARK}${at(20)}`, joinedAt: at(20), leftAt: at(20), byEnd: true };
    const closedByEnd = run([endMark], { ...empty, open_joined_at: at(5) });
    // Twenty minutes later: a new API join, then Jitsi reports the new device.
    const back = run([joined('a', 1203)], { ...closedByEnd, open_joined_at: at(1200) });
    expect(back.sessions).toEqual([{ joined_at: at(5), left_at: at(20), left_reason: 'disconnected', anchored: true }]);
    expect(back.open_joined_at).toBe(at(1200));
  });

  it('never lets a session outlast the room’s end (its left delivered after the end, later than it)', () => {
    for (const events of [
      [joined('a', 0), left('a', 0, 2400)],
      [left('a', 0, 2400), joined('a', 0)],
    ]) {
      const state = run(events, empty, at(600));
      expect(state.sessions).toEqual([{ joined_at: at(0), left_at: at(600), left_reason: 'disconnected' }]);
    }
  });

  it('never closes a session before it opened (left_at before joined_at from a skewed clock)', () => {
    const state = run([left('a', 50, 40)]);
    for (const session of state.sessions) expect(Date.parse(session.left_at)).toBeGreaterThanOrEqual(Date.parse(session.joined_at));
  });

  it('is the union of the occupants’ intervals whatever the order and duplicates (property)', () => {
    const interval = fc.tuple(fc.integer({ min: 0, max: 500 }), fc.integer({ min: 1, max: 200 }), fc.boolean());
    fc.assert(
      fc.property(fc.array(interval, { minLength: 1, maxLength: 5 }), fc.infiniteStream(fc.nat()), (intervals, noise) => {
        const events: PresenceEvent[] = intervals.flatMap(([from, length, gone], index) => [
          joined(`o${index}`, from),
          ...(gone ? [left(`o${index}`, from, from + length)] : []),
        ]);
        const inOrder = run([...events].sort((a, b) => eventTime(a) - eventTime(b)));
        const shuffled = [...events, ...events.filter(() => noise.next().value % 3 === 0)]
          .map((event) => ({ event, key: noise.next().value }))
          .sort((a, b) => a.key - b.key)
          .map(({ event }) => event);
        expect(sorted(run(shuffled))).toEqual(sorted(inOrder));
        expect(sorted(inOrder).sessions).toEqual(union(intervals).closed);
        expect(inOrder.open_joined_at).toBe(union(intervals).open);
      }),
      { numRuns: 300 },
    );
  });
});

const eventTime = (event: PresenceEvent) => Date.parse(event.kind === 'joined' ? event.joinedAt : event.leftAt);

/** The expected sessions: the union of the intervals, an occupant still in the room reaching to the end of time. */
function union(intervals: [number, number, boolean][]) {
  const spans = intervals.map(([from, length, gone]) => [from, gone ? from + length : Infinity] as const).sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const [from, to] of spans) {
    const last = merged.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else merged.push([from, to]);
  }
  const openSpan = merged.find(([, to]) => to === Infinity);
  return {
    closed: merged
      .filter(([, to]) => to !== Infinity)
      .map(([from, to]) => ({ joined_at: at(from), left_at: at(to), left_reason: 'disconnected' })),
    open: openSpan ? at(openSpan[0]) : undefined,
  };
}

describe('isNeverConnected', () => {
  const confirm = 120;
  it('is true for an API join Jitsi never saw within PRESENCE_CONFIRM_SECONDS', () => {
    expect(isNeverConnected({ open_joined_at: at(0), occupants: {} }, confirm, Date.parse(at(121)))).toBe(true);
  });
  it('waits until the confirmation time has passed', () => {
    expect(isNeverConnected({ open_joined_at: at(0), occupants: {} }, confirm, Date.parse(at(119)))).toBe(false);
  });
  it('is false once an occupant of the user was in the room in that time', () => {
    const occupants = { a: { joined_at: at(30), left_at: at(40) } };
    expect(isNeverConnected({ open_joined_at: at(0), occupants }, confirm, Date.parse(at(500)))).toBe(false);
  });
  it('counts an occupant that left in the second of the join (Jitsi reports whole seconds)', () => {
    const occupants = { a: { joined_at: at(0), left_at: at(0) } };
    const open = new Date(Date.parse(at(0)) + 700).toISOString();
    expect(isNeverConnected({ open_joined_at: open, occupants }, confirm, Date.parse(at(500)))).toBe(false);
  });
  it('ignores an occupant that left before the join', () => {
    const occupants = { a: { joined_at: at(-100), left_at: at(-50) } };
    expect(isNeverConnected({ open_joined_at: at(0), occupants }, confirm, Date.parse(at(500)))).toBe(true);
  });
});

describe('sessionTransitions', () => {
  /** Every open and close the events caused, applied one at a time as the store would. */
  const transitions = (events: PresenceEvent[], start: PresenceState = empty, startMarks = { joined: 0, left: 0 }) => {
    let state = start;
    let joined = 0;
    let left = 0;
    let marks = startMarks;
    for (const event of events) {
      const next = applyPresence(state, event);
      if (!next) continue;
      const change = sessionTransitions(state, next, marks);
      joined += change.joined.length;
      left += change.left.length;
      marks = change.marks;
      state = next;
    }
    return { joined, left, state, marks };
  };

  it('opens and closes once for a device in order, and once for a left before its joined', () => {
    expect(transitions([joined('a', 10), left('a', 10, 70)])).toMatchObject({ joined: 1, left: 1 });
    expect(transitions([left('a', 10, 70), joined('a', 10)])).toMatchObject({ joined: 1, left: 1 });
    expect(transitions([left('a', 70, 70), joined('a', 10), left('a', 70, 70)])).toMatchObject({ joined: 1, left: 1 });
  });

  it('does not open again what an API join opened, and closes it once', () => {
    const apiJoined: PresenceState = { ...empty, open_joined_at: at(5) };
    expect(transitions([joined('a', 10), joined('a', 10), left('a', 10, 70), left('a', 10, 70)], apiJoined)).toMatchObject({
      joined: 0,
      left: 1,
    });
  });

  it('opens again when Jitsi reconnects a user after the API closed the session Jitsi opened', () => {
    const opened = transitions([joined('a', 10)]);
    // The user leaves through the API at 20: the closed session keeps that presence opened it.
    const apiLeft: PresenceState = {
      ...opened.state,
      open_joined_at: undefined,
      open_from_presence: undefined,
      sessions: [{ joined_at: at(10), left_at: at(20), left_reason: 'left', from_presence: true }],
    };
    expect(transitions([left('a', 10, 25), joined('b', 100), left('b', 100, 150)], apiLeft, opened.marks)).toMatchObject({
      joined: 1,
      left: 1,
    });
  });

  it('keeps every session and its events past MAX_OCCUPANTS_KEPT occupants (pruning forgets occupants, not sessions)', () => {
    const devices = Array.from({ length: MAX_OCCUPANTS_KEPT + 5 }, (_, index) => index);
    const result = transitions(
      devices.flatMap((index) => [joined(`o${index}`, index * 100), left(`o${index}`, index * 100, index * 100 + 10)]),
    );
    expect(result).toMatchObject({ joined: devices.length, left: devices.length });
    expect(result.state.sessions).toHaveLength(devices.length);
    expect(Object.keys(result.state.occupants).length).toBeLessThanOrEqual(MAX_OCCUPANTS_KEPT);
    // A pruned occupant told again changes nothing; a device after it still opens and closes once.
    expect(applyPresence(result.state, left('o0', 0, 10))).toBeUndefined();
    expect(applyPresence(result.state, joined('o0', 0))).toBeUndefined();
    const more = transitions([joined('late', 9000), left('late', 9000, 9010)], result.state, result.marks);
    expect(more).toMatchObject({ joined: 1, left: 1 });
    expect(more.state.sessions).toHaveLength(devices.length + 1);
  });

  it('counts one session for two overlapping devices', () => {
    expect(transitions([joined('a', 10), joined('b', 20), left('a', 10, 30), left('b', 20, 40)])).toMatchObject({ joined: 1, left: 1 });
  });

  it('for any order and duplicates of separate sessions, opens and closes each exactly once (property)', () => {
    const base = [joined('a', 10), left('a', 10, 20), joined('b', 40), left('b', 40, 50), joined('c', 80)];
    fc.assert(
      fc.property(fc.shuffledSubarray([...base, ...base], { minLength: base.length * 2 }), (events) => {
        const { joined: opens, left: closes } = transitions(events);
        expect(opens).toBe(3);
        expect(closes).toBe(2);
      }),
    );
  });
});
