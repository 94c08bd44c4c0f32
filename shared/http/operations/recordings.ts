import * as calls from '../../schemas/calls';
import * as recordings from '../../schemas/recordings';
import { operation, THREAD_ERRORS } from '../contract';

// A group of their own: the other calls functions then carry neither these contracts nor the
// recording schemas (URI rules, the blocked networks).
// Consent needs no key; creating only encrypts and listing only decrypts (docs/recording.md).
export const callsRecording = /* @__PURE__ */ operation('calls.recording', {
  method: 'POST',
  path: '/api/calls/{call_id}/recording',
  auth: 'user',
  access: { table: 'readwrite' },
  summary: 'Start (with consent) or stop recording a call',
  pathSchema: calls.CallPath,
  body: recordings.RecordingControlBody,
  status: 200,
  response: recordings.RecordingControlResponseSchema,
  errors: [...THREAD_ERRORS, 'forbidden', 'call_ended', 'consent_required'],
});

export const callsRecordingsCreate = /* @__PURE__ */ operation('calls.recordings-create', {
  method: 'POST',
  path: '/api/calls/{call_id}/recordings',
  auth: 'user',
  access: { table: 'readwrite', kms: 'encrypt' },
  summary: "Register a recording's metadata, encrypted under the stage's KMS key",
  pathSchema: calls.CallPath,
  body: recordings.CreateRecordingBody,
  status: 201,
  response: recordings.RecordingSchema,
  errors: [...THREAD_ERRORS, 'forbidden', 'consent_required'],
});

export const callsRecordingsList = /* @__PURE__ */ operation('calls.recordings-list', {
  method: 'GET',
  path: '/api/calls/{call_id}/recordings',
  auth: 'user',
  access: { table: 'read', kms: 'decrypt' },
  summary: "The call's recordings, decrypted",
  pathSchema: calls.CallPath,
  status: 200,
  response: recordings.RecordingListSchema,
  errors: [...THREAD_ERRORS, 'forbidden'],
});

export const recordingOperations = {
  'calls.recording': callsRecording,
  'calls.recordings-create': callsRecordingsCreate,
  'calls.recordings-list': callsRecordingsList,
} as const;
