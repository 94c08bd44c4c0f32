import { unmarshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from 'vitest';
import { closeSessionPart, openSessionParts, presenceWritePart } from './participants';

// The participant repository's requests, checked offline.

const key = { pk: 'CALL#c', sk: 'PARTICIPANT#u' };
const values = (part: { Update?: { ExpressionAttributeValues?: Record<string, any> } }) =>
  unmarshall(part.Update?.ExpressionAttributeValues ?? {});

describe('participant repository parts', () => {
  it('keeps from_presence on a session Jitsi opened that the API closes (a leave, or a reload’s join)', () => {
    expect(values(closeSessionPart(key, '2026-11-21T09:00:00.000Z', '2026-11-21T09:10:00.000Z', 'left', true))[':closed']).toEqual([
      { joined_at: '2026-11-21T09:00:00.000Z', left_at: '2026-11-21T09:10:00.000Z', left_reason: 'left', from_presence: true },
    ]);
    expect(values(closeSessionPart(key, '2026-11-21T09:00:00.000Z', '2026-11-21T09:10:00.000Z', 'left'))[':closed'][0]).not.toHaveProperty(
      'from_presence',
    );
    const seen = { user_id: 'u', open_joined_at: '2026-11-21T09:00:00.000Z', open_from_presence: true };
    const { session } = openSessionParts(key, 'u', seen, '2026-11-21T09:10:00.000Z');
    expect(values(session)[':closed']).toEqual([
      { joined_at: '2026-11-21T09:00:00.000Z', left_at: '2026-11-21T09:10:00.000Z', left_reason: 'left', from_presence: true },
    ]);
  });

  it('stores the pruning horizon with a presence write', () => {
    const part = presenceWritePart(key, 'u', undefined, {
      open_joined_at: undefined,
      sessions: [],
      occupants: {},
      pruned_until: '2026-11-21T09:10:00.000Z',
    });
    expect(part.Update?.UpdateExpression).toContain('pruned_until = :prunedUntil');
    expect(values(part)[':prunedUntil']).toBe('2026-11-21T09:10:00.000Z');
  });
});
