import { describe, expect, it } from 'vitest';
import type { ParticipantRecord } from '../db/participants';
import { firstSweepAt, neverConnected, sweepDecision } from './sweep-rules';

const limits = { graceSeconds: 120, maxHours: 24, confirmSeconds: 120 };
const start = '2026-11-29T08:00:00.000Z';
const at = (offsetSeconds: number) => new Date(Date.parse(start) + offsetSeconds * 1000).toISOString();
const ms = (offsetSeconds: number) => Date.parse(at(offsetSeconds));
const closed = (user: string, joined: number, left: number): ParticipantRecord => ({
  user_id: user,
  sessions: [{ joined_at: at(joined), left_at: at(left), left_reason: 'left' }],
});
const open = (user: string, joined: number): ParticipantRecord => ({ user_id: user, open_joined_at: at(joined) });
const DAY = 24 * 3600;

describe('sweep deadlines', () => {
  it('first looks at a call one grace after its start', () => {
    expect(firstSweepAt(start, limits)).toBe(at(120));
  });

  it('ends a call everyone left a grace ago as room_empty, at the last leave', () => {
    const everyoneLeft = [closed('a', 0, 300), closed('b', 10, 600)];
    expect(sweepDecision(start, everyoneLeft, ms(720), limits)).toEqual({ action: 'end', reason: 'room_empty', endedAt: at(600) });
  });

  it('waits until the grace after the last leave, not after the first', () => {
    const everyoneLeft = [closed('a', 0, 300), closed('b', 10, 600)];
    expect(sweepDecision(start, everyoneLeft, ms(719), limits)).toEqual({ action: 'wait', nextAt: at(720) });
  });

  it('keeps a call with anyone in it, looking again a grace later', () => {
    const someoneIn = [closed('a', 0, 300), open('b', 10)];
    expect(sweepDecision(start, someoneIn, ms(5000), limits)).toEqual({ action: 'wait', nextAt: at(5120) });
  });

  it('counts a second device (an open session beside closed ones) as someone in the room', () => {
    const twoDevices: ParticipantRecord[] = [{ ...closed('a', 0, 300), open_joined_at: at(200) }];
    expect(sweepDecision(start, twoDevices, ms(1000), limits).action).toBe('wait');
  });

  it('ends a call nobody ever had a closed session in a grace after its start', () => {
    expect(sweepDecision(start, [], ms(120), limits)).toEqual({ action: 'end', reason: 'room_empty', endedAt: start });
  });

  it('ends a call still active after CALL_MAX_HOURS as expired, at that deadline', () => {
    const someoneIn = [open('a', 0)];
    expect(sweepDecision(start, someoneIn, ms(DAY + 30), limits)).toEqual({ action: 'end', reason: 'expired', endedAt: at(DAY) });
  });

  it('never looks past the expiry', () => {
    expect(sweepDecision(start, [open('a', 0)], ms(DAY - 60), limits)).toEqual({ action: 'wait', nextAt: at(DAY) });
  });

  it('prefers room_empty when everyone had left before the expiry was noticed', () => {
    const leftEarly = [closed('a', 0, 600)];
    expect(sweepDecision(start, leftEarly, ms(DAY + 3600), limits)).toEqual({ action: 'end', reason: 'room_empty', endedAt: at(600) });
  });

  it('never ends a call before it started, whatever the clock', () => {
    const decision = sweepDecision(start, [], ms(-3600), limits);
    expect(decision).toEqual({ action: 'wait', nextAt: at(120) });
  });
});

describe('never-connected joins', () => {
  const seen = (user: string, joined: number): ParticipantRecord => ({
    user_id: user,
    open_joined_at: at(joined),
    open_from_presence: true,
    occupants: { [`room@conference/${user}`]: { joined_at: at(joined) } },
  });

  it('closes an API join Jitsi never reported once PRESENCE_CONFIRM_SECONDS pass, in a room with presence', () => {
    const participants = [seen('a', 0), open('b', 10)];
    expect(neverConnected(participants, ms(129), limits)).toEqual([]);
    expect(neverConnected(participants, ms(130), limits).map((participant) => participant.user_id)).toEqual(['b']);
  });

  it('never closes anyone in a room Jitsi reports nothing for: silence there proves nothing', () => {
    expect(neverConnected([open('a', 0), open('b', 10)], ms(DAY), limits)).toEqual([]);
  });

  it('keeps an API join Jitsi confirmed within the window, even on another device that has left since', () => {
    const confirmed: ParticipantRecord = {
      user_id: 'b',
      open_joined_at: at(10),
      occupants: { 'room@conference/b1': { joined_at: at(60), left_at: at(90) } },
    };
    expect(neverConnected([seen('a', 0), confirmed], ms(1000), limits)).toEqual([]);
  });

  it('looks again within the confirm window while anyone is in', () => {
    const short = { ...limits, confirmSeconds: 30 };
    expect(sweepDecision(start, [open('a', 0)], ms(100), short)).toEqual({ action: 'wait', nextAt: at(130) });
  });
});
