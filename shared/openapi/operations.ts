import type * as z from 'zod/mini';
import type { ErrorCode } from '../errors';
import * as calls from '../schemas/calls';
import * as health from '../schemas/health';
import * as liveClasses from '../schemas/live-classes';
import * as recordings from '../schemas/recordings';
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
  /** Other answers with a body of their own rather than the error body (the health routes' 503). */
  alternate?: Record<number, { description: string; response: z.ZodMiniType }>;
}

const AUTHED: readonly ErrorCode[] = ['validation_error', 'unauthorized'];
const CALL_ERRORS: readonly ErrorCode[] = [...AUTHED, 'not_found', 'not_a_thread_member'];
const COURSE_ERRORS: readonly ErrorCode[] = [...AUTHED, 'not_found', 'forbidden'];
const ENROLLED_ERRORS: readonly ErrorCode[] = [...COURSE_ERRORS, 'not_enrolled'];

export const operationDocs: Record<string, OperationDoc> = {
  'threads.create': {
    body: threads.CreateThreadBody,
    status: 201,
    response: threads.ThreadSchema,
    errors: [...AUTHED, 'payload_too_large'],
  },
  'threads.get': { path: threads.ThreadPath, status: 200, response: threads.ThreadSchema, errors: CALL_ERRORS },
  'threads.put-member': {
    path: threads.ThreadMemberPath,
    body: threads.PutMemberBody,
    status: 200,
    response: threads.ThreadMemberSchema,
    errors: [...CALL_ERRORS, 'forbidden'],
  },
  'threads.delete-member': { path: threads.ThreadMemberPath, status: 204, errors: [...CALL_ERRORS, 'forbidden'] },
  'threads.list-calls': {
    path: threads.ThreadPath,
    query: threads.ListCallsQuery,
    status: 200,
    response: calls.CallListSchema,
    errors: CALL_ERRORS,
  },
  'calls.start': {
    body: calls.StartCallBody,
    status: 201,
    response: calls.StartCallResponseSchema,
    errors: [...CALL_ERRORS, 'call_in_progress', 'feature_disabled', 'dependency_unavailable'],
  },
  'calls.join': {
    path: calls.CallPath,
    status: 200,
    response: calls.JoinInfoSchema,
    errors: [...CALL_ERRORS, 'call_ended', 'feature_disabled', 'dependency_unavailable'],
  },
  'calls.token': {
    path: calls.CallPath,
    status: 200,
    response: calls.TokenResponseSchema,
    errors: [...CALL_ERRORS, 'call_ended', 'dependency_unavailable'],
  },
  'calls.leave': {
    path: calls.CallPath,
    status: 200,
    response: calls.LeaveResponseSchema,
    errors: [...AUTHED, 'not_found', 'not_in_call'],
  },
  'calls.end': { path: calls.CallPath, status: 200, response: calls.CallLogSchema, errors: [...CALL_ERRORS, 'forbidden'] },
  'calls.log': { path: calls.CallPath, status: 200, response: calls.CallLogSchema, errors: CALL_ERRORS },
  'calls.recording': {
    path: calls.CallPath,
    body: recordings.RecordingControlBody,
    status: 200,
    response: recordings.RecordingControlResponseSchema,
    errors: [...CALL_ERRORS, 'forbidden', 'call_ended', 'consent_required', 'dependency_unavailable'],
  },
  'calls.recordings-create': {
    path: calls.CallPath,
    body: recordings.CreateRecordingBody,
    status: 201,
    response: recordings.RecordingSchema,
    errors: [...CALL_ERRORS, 'forbidden', 'consent_required', 'payload_too_large', 'dependency_unavailable'],
  },
  'calls.recordings-list': {
    path: calls.CallPath,
    status: 200,
    response: recordings.RecordingListSchema,
    errors: [...CALL_ERRORS, 'forbidden', 'dependency_unavailable'],
  },
  'courses.put-instructor': { path: liveClasses.CourseMemberPath, status: 204, errors: [...AUTHED, 'forbidden'] },
  'courses.put-enrollment': { path: liveClasses.CourseMemberPath, status: 204, errors: COURSE_ERRORS },
  'courses.delete-enrollment': { path: liveClasses.CourseMemberPath, status: 204, errors: COURSE_ERRORS },
  'live-classes.create': {
    path: liveClasses.CoursePath,
    body: liveClasses.CreateLiveClassBody,
    status: 201,
    response: liveClasses.LiveClassSchema,
    errors: [...COURSE_ERRORS, 'payload_too_large'],
  },
  'live-classes.list': {
    path: liveClasses.CoursePath,
    query: liveClasses.ListLiveClassesQuery,
    status: 200,
    response: liveClasses.LiveClassListSchema,
    errors: ENROLLED_ERRORS,
  },
  'live-classes.get': { path: liveClasses.LiveClassPath, status: 200, response: liveClasses.LiveClassSchema, errors: ENROLLED_ERRORS },
  'live-classes.start': {
    path: liveClasses.LiveClassPath,
    status: 200,
    response: liveClasses.LiveClassJoinSchema,
    errors: [...COURSE_ERRORS, 'live_class_ended', 'feature_disabled', 'dependency_unavailable'],
  },
  'live-classes.join': {
    path: liveClasses.LiveClassPath,
    status: 200,
    response: liveClasses.LiveClassJoinSchema,
    errors: [...ENROLLED_ERRORS, 'live_class_not_started', 'live_class_ended', 'feature_disabled', 'dependency_unavailable'],
  },
  'live-classes.token': {
    path: liveClasses.LiveClassPath,
    status: 200,
    response: liveClasses.LiveClassTokenSchema,
    errors: [...ENROLLED_ERRORS, 'live_class_not_started', 'live_class_ended', 'dependency_unavailable'],
  },
  'live-classes.leave': {
    path: liveClasses.LiveClassPath,
    status: 200,
    response: liveClasses.LiveClassLeaveSchema,
    errors: [...AUTHED, 'not_found', 'not_in_call'],
  },
  'live-classes.attendance': {
    path: liveClasses.LiveClassPath,
    status: 200,
    response: liveClasses.AttendanceSchema,
    errors: COURSE_ERRORS,
  },
  'live-classes.end': {
    path: liveClasses.LiveClassPath,
    status: 200,
    response: liveClasses.EndLiveClassSchema,
    errors: [...COURSE_ERRORS, 'live_class_not_started'],
  },
  'calls.config': { status: 200, response: calls.CallsConfigSchema, errors: [] },
  'docs.openapi': { status: 200, errors: [] },
  'health.jitsi': {
    status: 200,
    response: health.HealthSchema,
    errors: [],
    alternate: { 503: { description: 'down, or unknown (no recent probe result)', response: health.HealthSchema } },
  },
  'health.coturn': {
    status: 200,
    response: health.HealthSchema,
    errors: [],
    alternate: { 503: { description: 'down, or unknown (no recent probe result)', response: health.HealthSchema } },
  },
};
