import { describe, expect, it } from 'vitest';
import { AppError } from '../errors';
import { assertJoinRate, byUser, decodeCursor, encodeCursor, JOINS_PER_MINUTE, sessionViews, totalSeconds } from './room-rules';

const at = (seconds: number) => new Date(Date.UTC(2026, 10, 21, 9, 0, seconds)).toISOString();

describe('sessionViews', () => {
  it('lists closed and open sessions oldest first with durations', () => {
    const views = sessionViews([{ user_id: 'u', sessions: [{ joined_at: at(10), left_at: at(40) }], open_joined_at: at(50) }], undefined);
    expect(views).toEqual([
      { joined_at: at(10), left_at: at(40), duration_seconds: 30, left_reason: 'left' },
      { joined_at: at(50), left_at: null, duration_seconds: null, left_reason: null },
    ]);
  });

  it('reports a session still open after the end as closed at the end', () => {
    expect(sessionViews([{ user_id: 'u', open_joined_at: at(10) }], at(70))).toEqual([
      { joined_at: at(10), left_at: at(70), duration_seconds: 60, left_reason: 'call_ended' },
    ]);
  });

  it('never reaches past the end nor goes negative for a join that raced the end', () => {
    const [view] = sessionViews([{ user_id: 'u', open_joined_at: at(80) }], at(70));
    expect(view).toEqual({ joined_at: at(70), left_at: at(70), duration_seconds: 0, left_reason: 'call_ended' });
  });

  it('merges a user’s archive items with their participant item', () => {
    const grouped = byUser([
      { user_id: '__proto__', sessions: [{ joined_at: at(0), left_at: at(1) }] },
      { user_id: 'constructor', sessions: [] },
      { user_id: '__proto__', sessions: [{ joined_at: at(5), left_at: at(6) }] },
    ]);
    expect([...grouped.keys()]).toEqual(['__proto__', 'constructor']);
    expect(sessionViews(grouped.get('__proto__') ?? [], undefined)).toHaveLength(2);
  });

  it('counts an open session up to now in the total', () => {
    expect(
      totalSeconds(
        sessionViews([{ user_id: 'u', sessions: [{ joined_at: at(0), left_at: at(10) }], open_joined_at: at(20) }], undefined),
        at(25),
      ),
    ).toBe(15);
  });
});

describe('assertJoinRate', () => {
  const now = Date.parse(at(100));
  const joins = (count: number, firstSecond: number) =>
    Array.from({ length: count }, (_, index) => ({ joined_at: at(firstSecond + index), left_at: at(firstSecond + index) }));

  it('lets a participant join up to the rate', () => {
    expect(() => assertJoinRate({ user_id: 'u', sessions: joins(JOINS_PER_MINUTE - 1, 60) }, now)).not.toThrow();
  });

  it('ignores joins older than a minute', () => {
    expect(() => assertJoinRate({ user_id: 'u', sessions: joins(500, -460) }, now)).not.toThrow();
  });

  it('refuses past the rate with the seconds until the window frees a slot', () => {
    let error: unknown;
    try {
      assertJoinRate({ user_id: 'u', sessions: joins(JOINS_PER_MINUTE, 55) }, now);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).code).toBe('rate_limited');
    // The oldest counted join was at 55 s: it leaves the window at 115 s, 15 s from now.
    expect((error as AppError).headers).toEqual({ 'retry-after': '15' });
  });
});

describe('the cursor codec', () => {
  it('round-trips and refuses anything it did not issue', () => {
    const cursor = encodeCursor({ s: at(0), c: 'abc' });
    expect(decodeCursor(cursor, /^[a-z]+$/)).toEqual({ s: at(0), c: 'abc' });
    expect(() => decodeCursor('bm9wZQ', /^[a-z]+$/)).toThrow(AppError);
    expect(() => decodeCursor(encodeCursor({ s: at(0), c: 'a#b' }), /^[a-z]+$/)).toThrow(AppError);
  });
});
