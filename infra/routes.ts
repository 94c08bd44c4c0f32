// The one route table: pure data (no aws-cdk-lib), read by the CDK stack, the local server,
// the OpenAPI document and the tests, so that none of them can drift from the others.

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/** `user`: behind the JWT authorizer. `public`: health, config and docs. */
export type AuthMode = 'user' | 'public';

export type SecretName = 'jitsi' | 'turn';

export interface RouteAccess {
  table?: 'read' | 'readwrite';
  /** The exact secrets the function reads at run time. */
  secrets?: readonly SecretName[];
  /** Recording metadata is encrypted and decrypted under the stage's KMS key. */
  kms?: 'encrypt' | 'decrypt' | 'encrypt-decrypt';
  /** Publishes call events to the stage's EventBridge bus. */
  events?: boolean;
}

export interface RouteDefinition {
  /** `<resource>.<verb>`: also the construct id, log key and metric dimension. */
  readonly id: string;
  readonly method: HttpMethod;
  /** API Gateway path syntax: `{name}` for a path parameter. */
  readonly path: string;
  /** Handler module, relative to the repository root; it exports `handler`. */
  readonly entry: string;
  readonly auth: AuthMode;
  readonly access: RouteAccess;
  readonly summary: string;
  /** Answers 503 `feature_disabled` while CALLS_ENABLED is off (the rollback switch). */
  readonly callsSwitch?: boolean;
}

const joinAccess: RouteAccess = { table: 'readwrite', secrets: ['jitsi', 'turn'] };

export const routes = [
  {
    id: 'threads.create',
    method: 'POST',
    path: '/api/threads',
    entry: 'functions/threads/create.ts',
    auth: 'user',
    access: { table: 'readwrite' },
    summary: 'Create a thread; the caller becomes its owner',
  },
  {
    id: 'threads.get',
    method: 'GET',
    path: '/api/threads/{thread_id}',
    entry: 'functions/threads/get.ts',
    auth: 'user',
    access: { table: 'read' },
    summary: 'A thread with its members',
  },
  {
    id: 'threads.put-member',
    method: 'PUT',
    path: '/api/threads/{thread_id}/members/{user_id}',
    entry: 'functions/threads/put-member.ts',
    auth: 'user',
    access: { table: 'readwrite' },
    summary: 'Add a member or change their role',
  },
  {
    id: 'threads.delete-member',
    method: 'DELETE',
    path: '/api/threads/{thread_id}/members/{user_id}',
    entry: 'functions/threads/delete-member.ts',
    auth: 'user',
    access: { table: 'readwrite' },
    summary: 'Remove a member (or leave the thread)',
  },
  {
    id: 'threads.list-calls',
    method: 'GET',
    path: '/api/threads/{thread_id}/calls',
    entry: 'functions/threads/list-calls.ts',
    auth: 'user',
    access: { table: 'read' },
    summary: "The thread's call logs, newest first",
  },

  {
    id: 'calls.start',
    method: 'POST',
    path: '/api/calls/start',
    entry: 'functions/calls/start.ts',
    auth: 'user',
    access: { ...joinAccess, events: true },
    callsSwitch: true,
    summary: 'Start a call in a thread and join it',
  },
  {
    id: 'calls.join',
    method: 'POST',
    path: '/api/calls/{call_id}/join',
    entry: 'functions/calls/join.ts',
    auth: 'user',
    access: joinAccess,
    callsSwitch: true,
    summary: 'Join an active call',
  },
  {
    id: 'calls.token',
    method: 'POST',
    path: '/api/calls/{call_id}/token',
    entry: 'functions/calls/token.ts',
    auth: 'user',
    access: { table: 'read', secrets: ['jitsi'] },
    summary: 'A fresh Jitsi token for the same room',
  },
  {
    id: 'calls.leave',
    method: 'POST',
    path: '/api/calls/{call_id}/leave',
    entry: 'functions/calls/leave.ts',
    auth: 'user',
    access: { table: 'readwrite' },
    summary: "Close the caller's open session",
  },
  {
    id: 'calls.end',
    method: 'POST',
    path: '/api/calls/{call_id}/end',
    entry: 'functions/calls/end.ts',
    auth: 'user',
    access: { table: 'readwrite', events: true },
    summary: 'End the call for everyone (idempotent)',
  },
  {
    id: 'calls.log',
    method: 'GET',
    path: '/api/calls/{call_id}/log',
    entry: 'functions/calls/log.ts',
    auth: 'user',
    access: { table: 'read' },
    summary: 'The call log with every participant session',
  },

  // Consent needs no key; creating only encrypts and listing only decrypts (docs/recording.md).
  {
    id: 'calls.recording',
    method: 'POST',
    path: '/api/calls/{call_id}/recording',
    entry: 'functions/calls/recording.ts',
    auth: 'user',
    access: { table: 'readwrite' },
    summary: 'Start (with consent) or stop recording a call',
  },
  {
    id: 'calls.recordings-create',
    method: 'POST',
    path: '/api/calls/{call_id}/recordings',
    entry: 'functions/calls/recordings-create.ts',
    auth: 'user',
    access: { table: 'readwrite', kms: 'encrypt' },
    summary: "Register a recording's metadata, encrypted under the stage's KMS key",
  },
  {
    id: 'calls.recordings-list',
    method: 'GET',
    path: '/api/calls/{call_id}/recordings',
    entry: 'functions/calls/recordings-list.ts',
    auth: 'user',
    access: { table: 'read', kms: 'decrypt' },
    summary: "The call's recordings, decrypted",
  },

  {
    id: 'courses.put-instructor',
    method: 'PUT',
    path: '/api/courses/{course_id}/instructors/{user_id}',
    entry: 'functions/courses/put-instructor.ts',
    auth: 'user',
    access: { table: 'readwrite' },
    summary: 'Assign an instructor to a course (admins)',
  },
  {
    id: 'courses.put-enrollment',
    method: 'PUT',
    path: '/api/courses/{course_id}/enrollments/{user_id}',
    entry: 'functions/courses/put-enrollment.ts',
    auth: 'user',
    access: { table: 'readwrite' },
    summary: 'Enroll a student in a course',
  },
  {
    id: 'courses.delete-enrollment',
    method: 'DELETE',
    path: '/api/courses/{course_id}/enrollments/{user_id}',
    entry: 'functions/courses/delete-enrollment.ts',
    auth: 'user',
    access: { table: 'readwrite' },
    summary: 'Unenroll a student (attendance is kept)',
  },
  {
    id: 'live-classes.create',
    method: 'POST',
    path: '/api/courses/{course_id}/live-classes',
    entry: 'functions/live-classes/create.ts',
    auth: 'user',
    access: { table: 'readwrite' },
    summary: 'Schedule a live class with a unique Jitsi room',
  },
  {
    id: 'live-classes.list',
    method: 'GET',
    path: '/api/courses/{course_id}/live-classes',
    entry: 'functions/live-classes/list.ts',
    auth: 'user',
    access: { table: 'read' },
    summary: "A course's live classes in schedule order",
  },
  {
    id: 'live-classes.get',
    method: 'GET',
    path: '/api/live-classes/{live_class_id}',
    entry: 'functions/live-classes/get.ts',
    auth: 'user',
    access: { table: 'read' },
    summary: 'A live class',
  },
  {
    id: 'live-classes.start',
    method: 'POST',
    path: '/api/live-classes/{live_class_id}/start',
    entry: 'functions/live-classes/start.ts',
    auth: 'user',
    access: joinAccess,
    callsSwitch: true,
    summary: 'Start a live class and join it as host',
  },
  {
    id: 'live-classes.join',
    method: 'POST',
    path: '/api/live-classes/{live_class_id}/join',
    entry: 'functions/live-classes/join.ts',
    auth: 'user',
    access: joinAccess,
    callsSwitch: true,
    summary: 'Join a live class as host or participant',
  },
  {
    id: 'live-classes.token',
    method: 'POST',
    path: '/api/live-classes/{live_class_id}/token',
    entry: 'functions/live-classes/token.ts',
    auth: 'user',
    access: { table: 'read', secrets: ['jitsi'] },
    summary: 'A fresh Jitsi token for the same room',
  },
  {
    id: 'live-classes.leave',
    method: 'POST',
    path: '/api/live-classes/{live_class_id}/leave',
    entry: 'functions/live-classes/leave.ts',
    auth: 'user',
    access: { table: 'readwrite' },
    summary: "Close the caller's open session",
  },
  {
    id: 'live-classes.attendance',
    method: 'GET',
    path: '/api/live-classes/{live_class_id}/attendance',
    entry: 'functions/live-classes/attendance.ts',
    auth: 'user',
    access: { table: 'read' },
    summary: 'Every attendee with sessions and total seconds',
  },
  {
    id: 'live-classes.end',
    method: 'POST',
    path: '/api/live-classes/{live_class_id}/end',
    entry: 'functions/live-classes/end.ts',
    auth: 'user',
    access: { table: 'readwrite' },
    summary: 'End the class for everyone (idempotent)',
  },

  {
    id: 'calls.config',
    method: 'GET',
    path: '/api/calls/config',
    entry: 'functions/calls/config.ts',
    auth: 'public',
    access: {},
    summary: 'Whether calls are enabled, and the Jitsi server',
  },
  {
    id: 'docs.openapi',
    method: 'GET',
    path: '/api/openapi.json',
    entry: 'functions/docs/openapi.ts',
    auth: 'public',
    access: {},
    summary: 'This API as OpenAPI 3.1',
  },

  // The scheduled probes (infra/schedules.ts) write the results these routes read.
  {
    id: 'health.jitsi',
    method: 'GET',
    path: '/api/calls/health/jitsi',
    entry: 'functions/health/jitsi.ts',
    auth: 'public',
    access: { table: 'read' },
    summary: 'The last result of the Jitsi probe: 200 ok or degraded, 503 down or unknown',
  },
  {
    id: 'health.coturn',
    method: 'GET',
    path: '/api/calls/health/coturn',
    entry: 'functions/health/coturn.ts',
    auth: 'public',
    access: { table: 'read' },
    summary: 'The last result of the coturn probe: 200 ok or degraded, 503 down or unknown',
  },
] as const satisfies readonly RouteDefinition[];

export type OperationId = (typeof routes)[number]['id'];

export function routeById(id: OperationId): RouteDefinition {
  const route = routes.find((candidate) => candidate.id === id);
  if (!route) throw new Error(`Unknown operation ${id}`);
  return route;
}
