import { CallListSchema } from '../../schemas/calls';
import * as threads from '../../schemas/threads';
import { operation, THREAD_ERRORS } from '../contract';

export const threadsCreate = /* @__PURE__ */ operation('threads.create', {
  method: 'POST',
  path: '/api/threads',
  auth: 'user',
  access: { table: 'readwrite' },
  summary: 'Create a thread; the caller becomes its owner',
  body: threads.CreateThreadBody,
  status: 201,
  response: threads.ThreadSchema,
  errors: [],
});

export const threadsGet = /* @__PURE__ */ operation('threads.get', {
  method: 'GET',
  path: '/api/threads/{thread_id}',
  auth: 'user',
  access: { table: 'read' },
  summary: 'A thread with its members',
  pathSchema: threads.ThreadPath,
  status: 200,
  response: threads.ThreadSchema,
  errors: THREAD_ERRORS,
});

export const threadsPutMember = /* @__PURE__ */ operation('threads.put-member', {
  method: 'PUT',
  path: '/api/threads/{thread_id}/members/{user_id}',
  auth: 'user',
  access: { table: 'readwrite' },
  summary: 'Add a member or change their role',
  pathSchema: threads.ThreadMemberPath,
  body: threads.PutMemberBody,
  status: 200,
  response: threads.ThreadMemberSchema,
  errors: [...THREAD_ERRORS, 'forbidden'],
});

export const threadsDeleteMember = /* @__PURE__ */ operation('threads.delete-member', {
  method: 'DELETE',
  path: '/api/threads/{thread_id}/members/{user_id}',
  auth: 'user',
  access: { table: 'readwrite', secrets: ['jitsi-system'] },
  summary: 'Remove a member (or leave the thread)',
  pathSchema: threads.ThreadMemberPath,
  status: 204,
  errors: [...THREAD_ERRORS, 'forbidden'],
});

export const threadsListCalls = /* @__PURE__ */ operation('threads.list-calls', {
  method: 'GET',
  path: '/api/threads/{thread_id}/calls',
  auth: 'user',
  access: { table: 'read' },
  summary: "The thread's call logs, newest first",
  pathSchema: threads.ThreadPath,
  query: threads.ListCallsQuery,
  status: 200,
  response: CallListSchema,
  errors: THREAD_ERRORS,
});

export const threadOperations = {
  'threads.create': threadsCreate,
  'threads.get': threadsGet,
  'threads.put-member': threadsPutMember,
  'threads.delete-member': threadsDeleteMember,
  'threads.list-calls': threadsListCalls,
} as const;
