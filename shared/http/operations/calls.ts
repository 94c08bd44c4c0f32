import { joinOutcome, MetricName, START_CALL_OUTCOME } from '../../observability/metric-names';
import * as calls from '../../schemas/calls';
import { operation, JOIN_ACCESS, THREAD_ERRORS } from '../contract';

export const callsStart = /* @__PURE__ */ operation('calls.start', {
  method: 'POST',
  path: '/api/calls/start',
  auth: 'user',
  access: JOIN_ACCESS,
  callsSwitch: true,
  summary: 'Start a call in a thread and join it',
  body: calls.StartCallBody,
  status: 201,
  response: calls.StartCallResponseSchema,
  errors: [...THREAD_ERRORS, 'call_in_progress', 'rate_limited'],
  outcome: START_CALL_OUTCOME,
});

export const callsJoin = /* @__PURE__ */ operation('calls.join', {
  method: 'POST',
  path: '/api/calls/{call_id}/join',
  auth: 'user',
  access: JOIN_ACCESS,
  callsSwitch: true,
  summary: 'Join an active call',
  pathSchema: calls.CallPath,
  status: 200,
  response: calls.JoinInfoSchema,
  errors: [...THREAD_ERRORS, 'call_ended', 'rate_limited'],
  outcome: joinOutcome(MetricName.CallJoined),
});

export const callsToken = /* @__PURE__ */ operation('calls.token', {
  method: 'POST',
  path: '/api/calls/{call_id}/token',
  auth: 'user',
  access: { table: 'read', secrets: ['jitsi'] },
  summary: 'A fresh Jitsi token for the same room',
  pathSchema: calls.CallPath,
  status: 200,
  response: calls.TokenResponseSchema,
  errors: [...THREAD_ERRORS, 'call_ended'],
});

export const callsLeave = /* @__PURE__ */ operation('calls.leave', {
  method: 'POST',
  path: '/api/calls/{call_id}/leave',
  auth: 'user',
  access: { table: 'readwrite' },
  summary: "Close the caller's open session",
  pathSchema: calls.CallPath,
  status: 200,
  response: calls.LeaveResponseSchema,
  errors: ['not_found', 'not_in_call'],
});

export const callsEnd = /* @__PURE__ */ operation('calls.end', {
  method: 'POST',
  path: '/api/calls/{call_id}/end',
  auth: 'user',
  access: { table: 'readwrite', secrets: ['jitsi-system'] },
  summary: 'End the call for everyone (idempotent)',
  pathSchema: calls.CallPath,
  status: 200,
  response: calls.EndCallResponseSchema,
  errors: [...THREAD_ERRORS, 'forbidden'],
});

export const callsIncoming = /* @__PURE__ */ operation('calls.incoming', {
  method: 'GET',
  path: '/api/calls/incoming',
  auth: 'user',
  access: { table: 'read' },
  summary: "The caller's invitations still ringing (one index Query)",
  status: 200,
  response: calls.IncomingCallsSchema,
  errors: [],
});

export const callsDecline = /* @__PURE__ */ operation('calls.decline', {
  method: 'POST',
  path: '/api/calls/{call_id}/decline',
  auth: 'user',
  access: { table: 'readwrite' },
  summary: 'Decline a ringing invitation',
  pathSchema: calls.CallPath,
  status: 200,
  response: calls.DeclineResponseSchema,
  errors: [...THREAD_ERRORS, 'not_ringing'],
});

export const callsLog = /* @__PURE__ */ operation('calls.log', {
  method: 'GET',
  path: '/api/calls/{call_id}/log',
  auth: 'user',
  access: { table: 'read' },
  summary: 'The call log with every participant session',
  pathSchema: calls.CallPath,
  status: 200,
  response: calls.CallLogSchema,
  errors: THREAD_ERRORS,
});

export const callOperations = {
  'calls.start': callsStart,
  'calls.join': callsJoin,
  'calls.token': callsToken,
  'calls.leave': callsLeave,
  'calls.end': callsEnd,
  'calls.incoming': callsIncoming,
  'calls.decline': callsDecline,
  'calls.log': callsLog,
} as const;
