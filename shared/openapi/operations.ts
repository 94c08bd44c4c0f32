import type * as z from 'zod/mini';
import type { ErrorCode } from '../errors';
import * as calls from '../schemas/calls';
import * as threads from '../schemas/threads';

// What each operation accepts and answers, for the OpenAPI document. The request schemas are the
// very objects the handlers validate with (a test checks identity), so the two cannot drift.

export interface OperationDoc {
  body?: z.ZodMiniType;
  query?: z.ZodMiniType;
  path?: z.ZodMiniType;
  status: 200 | 201 | 204;
  response?: z.ZodMiniType;
  errors: readonly ErrorCode[];
}

const AUTHED: readonly ErrorCode[] = ['validation_error', 'unauthorized'];
const CALL_ERRORS: readonly ErrorCode[] = [...AUTHED, 'not_found', 'not_a_thread_member'];

export const operationDocs: Record<string, OperationDoc> = {
  'threads.create': { body: threads.CreateThreadBody, status: 201, response: threads.ThreadSchema, errors: [...AUTHED, 'payload_too_large'] },
  'threads.get': { path: threads.ThreadPath, status: 200, response: threads.ThreadSchema, errors: CALL_ERRORS },
  'threads.put-member': { path: threads.ThreadMemberPath, body: threads.PutMemberBody, status: 200, response: threads.ThreadMemberSchema, errors: [...CALL_ERRORS, 'forbidden'] },
  'threads.delete-member': { path: threads.ThreadMemberPath, status: 204, errors: [...CALL_ERRORS, 'forbidden'] },
  'threads.list-calls': { path: threads.ThreadPath, query: threads.ListCallsQuery, status: 200, response: calls.CallListSchema, errors: CALL_ERRORS },
  'calls.start': { body: calls.StartCallBody, status: 201, response: calls.StartCallResponseSchema, errors: [...CALL_ERRORS, 'call_in_progress', 'feature_disabled', 'dependency_unavailable'] },
  'calls.join': { path: calls.CallPath, status: 200, response: calls.JoinInfoSchema, errors: [...CALL_ERRORS, 'call_ended', 'feature_disabled', 'dependency_unavailable'] },
  'calls.token': { path: calls.CallPath, status: 200, response: calls.TokenResponseSchema, errors: [...CALL_ERRORS, 'call_ended', 'dependency_unavailable'] },
  'calls.leave': { path: calls.CallPath, status: 200, response: calls.LeaveResponseSchema, errors: [...AUTHED, 'not_found', 'not_in_call'] },
  'calls.end': { path: calls.CallPath, status: 200, response: calls.CallLogSchema, errors: [...CALL_ERRORS, 'forbidden'] },
  'calls.log': { path: calls.CallPath, status: 200, response: calls.CallLogSchema, errors: CALL_ERRORS },
  'calls.config': { status: 200, response: calls.CallsConfigSchema, errors: [] },
  'docs.openapi': { status: 200, errors: [] },
};

