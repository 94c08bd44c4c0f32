// Every key string of the table is built here and nowhere else.
// Ids never contain '#' (see shared/schemas/ids.ts), so a key cannot be forged from an id.

const SEPARATOR = '#';
const key = (...parts: string[]) => parts.join(SEPARATOR);

export interface ItemKey {
  pk: string;
  sk: string;
}

export const PARTICIPANT_PREFIX = key('PARTICIPANT', '');

export const keys = {
  thread: (threadId: string): ItemKey => ({ pk: key('THREAD', threadId), sk: 'THREAD' }),

  call: (callId: string): ItemKey => ({ pk: key('CALL', callId), sk: 'CALL' }),
  /** A user's sessions in a call live on one item next to the call, so the log is one Query. */
  callParticipant: (callId: string, userId: string): ItemKey => ({ pk: key('CALL', callId), sk: key('PARTICIPANT', userId) }),
  callPartition: (callId: string) => key('CALL', callId),
  /** gsi1: a thread's calls, sorted by start time then id. */
  threadCallsIndex: (threadId: string, startedAt: string, callId: string) => ({
    gsi1pk: key('THREAD', threadId, 'CALLS'),
    gsi1sk: key(startedAt, callId),
  }),
  threadCallsPartition: (threadId: string) => key('THREAD', threadId, 'CALLS'),
} as const;
