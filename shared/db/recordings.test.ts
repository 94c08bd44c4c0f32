import { describe, expect, it } from 'vitest';
import { recordingStore } from './recordings';

// The recording repository's requests and parsing, checked offline.

const consent = { recorded_by: 'ada', recorded_at: '2026-11-21T09:00:00.000Z', text_version: 'v2' };

describe('recording repository', () => {
  it('records consent with a start, only the state with a stop, both only on an active call', () => {
    const start = recordingStore.parts.setState('c1', 'started', consent).Update;
    expect(start?.UpdateExpression).toBe('SET consent_recorded = :true, consent = :consent, recording_state = :state');
    expect(start?.ConditionExpression).toBe('#status = :active');
    expect(start?.ReturnValuesOnConditionCheckFailure).toBe('ALL_OLD');
    const stop = recordingStore.parts.setState('c1', 'stopped', undefined).Update;
    expect(stop?.UpdateExpression).toBe('SET recording_state = :state');
    expect(stop?.ExpressionAttributeValues).toEqual({ ':active': { S: 'active' }, ':state': { S: 'stopped' } });
  });

  it('marks the consent on a start action item and leaves it off a stop', () => {
    const start = recordingStore.parts.action(
      { call_id: 'c1', action: 'start', user_id: 'ada', at: consent.recorded_at, text_version: 'v2' },
      'a1',
    );
    expect(start.Put?.Item).toMatchObject({ consent_confirmed: { BOOL: true }, text_version: { S: 'v2' } });
    const stop = recordingStore.parts.action({ call_id: 'c1', action: 'stop', user_id: 'ada', at: consent.recorded_at }, 'a2');
    expect(stop.Put?.Item).not.toHaveProperty('consent_confirmed');
    expect(stop.Put?.ConditionExpression).toBe('attribute_not_exists(pk)');
  });

  it('validates the recording attributes of a call item rather than casting them', () => {
    expect(recordingStore.withRecordingState({ call_id: 'c1', consent, recording_state: 'started' })).toMatchObject({
      call_id: 'c1',
      consent,
      recording_state: 'started',
    });
    expect(() => recordingStore.withRecordingState({ call_id: 'c1', recording_state: 'paused' })).toThrow();
    expect(() => recordingStore.withRecordingState({ call_id: 'c1', consent: { recorded_by: 'ada' } })).toThrow();
  });
});
