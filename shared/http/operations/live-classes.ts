import type { ErrorCode } from '../../errors';
import { joinOutcome, MetricName } from '../../observability/metric-names';
import * as liveClasses from '../../schemas/live-classes';
import { operation, JOIN_ACCESS } from '../contract';

const COURSE_ERRORS: readonly ErrorCode[] = ['not_found', 'forbidden'];
const ENROLLED_ERRORS: readonly ErrorCode[] = [...COURSE_ERRORS, 'not_enrolled'];

export const coursesPutInstructor = /* @__PURE__ */ operation('courses.put-instructor', {
  method: 'PUT',
  path: '/api/courses/{course_id}/instructors/{user_id}',
  auth: 'user',
  access: { table: 'readwrite' },
  summary: 'Assign an instructor to a course (admins)',
  pathSchema: liveClasses.CourseMemberPath,
  status: 204,
  errors: ['forbidden'],
});

export const coursesPutEnrollment = /* @__PURE__ */ operation('courses.put-enrollment', {
  method: 'PUT',
  path: '/api/courses/{course_id}/enrollments/{user_id}',
  auth: 'user',
  access: { table: 'readwrite' },
  summary: 'Enroll a student in a course',
  pathSchema: liveClasses.CourseMemberPath,
  status: 204,
  errors: COURSE_ERRORS,
});

export const coursesDeleteEnrollment = /* @__PURE__ */ operation('courses.delete-enrollment', {
  method: 'DELETE',
  path: '/api/courses/{course_id}/enrollments/{user_id}',
  auth: 'user',
  access: { table: 'readwrite', secrets: ['jitsi-system'] },
  summary: 'Unenroll a student (attendance is kept)',
  pathSchema: liveClasses.CourseMemberPath,
  status: 204,
  errors: COURSE_ERRORS,
});

export const courseOperations = {
  'courses.put-instructor': coursesPutInstructor,
  'courses.put-enrollment': coursesPutEnrollment,
  'courses.delete-enrollment': coursesDeleteEnrollment,
} as const;

export const liveClassesCreate = /* @__PURE__ */ operation('live-classes.create', {
  method: 'POST',
  path: '/api/courses/{course_id}/live-classes',
  auth: 'user',
  access: { table: 'readwrite' },
  summary: 'Schedule a live class with a unique Jitsi room',
  pathSchema: liveClasses.CoursePath,
  body: liveClasses.CreateLiveClassBody,
  status: 201,
  response: liveClasses.LiveClassSchema,
  errors: COURSE_ERRORS,
});

export const liveClassesList = /* @__PURE__ */ operation('live-classes.list', {
  method: 'GET',
  path: '/api/courses/{course_id}/live-classes',
  auth: 'user',
  access: { table: 'read' },
  summary: "A course's live classes in schedule order",
  pathSchema: liveClasses.CoursePath,
  query: liveClasses.ListLiveClassesQuery,
  status: 200,
  response: liveClasses.LiveClassListSchema,
  errors: ENROLLED_ERRORS,
});

export const liveClassesGet = /* @__PURE__ */ operation('live-classes.get', {
  method: 'GET',
  path: '/api/live-classes/{live_class_id}',
  auth: 'user',
  access: { table: 'read' },
  summary: 'A live class',
  pathSchema: liveClasses.LiveClassPath,
  status: 200,
  response: liveClasses.LiveClassSchema,
  errors: ENROLLED_ERRORS,
});

export const liveClassesStart = /* @__PURE__ */ operation('live-classes.start', {
  method: 'POST',
  path: '/api/live-classes/{live_class_id}/start',
  auth: 'user',
  access: JOIN_ACCESS,
  callsSwitch: true,
  summary: 'Start a live class and join it as host',
  pathSchema: liveClasses.LiveClassPath,
  status: 200,
  response: liveClasses.LiveClassJoinSchema,
  errors: [...COURSE_ERRORS, 'live_class_ended', 'rate_limited'],
  outcome: joinOutcome(MetricName.LiveClassStarted),
});

export const liveClassesJoin = /* @__PURE__ */ operation('live-classes.join', {
  method: 'POST',
  path: '/api/live-classes/{live_class_id}/join',
  auth: 'user',
  access: JOIN_ACCESS,
  callsSwitch: true,
  summary: 'Join a live class as host or participant',
  pathSchema: liveClasses.LiveClassPath,
  status: 200,
  response: liveClasses.LiveClassJoinSchema,
  errors: [...ENROLLED_ERRORS, 'live_class_not_started', 'live_class_ended', 'rate_limited'],
  outcome: joinOutcome(MetricName.LiveClassJoined),
});

export const liveClassesToken = /* @__PURE__ */ operation('live-classes.token', {
  method: 'POST',
  path: '/api/live-classes/{live_class_id}/token',
  auth: 'user',
  access: { table: 'read', secrets: ['jitsi'] },
  summary: 'A fresh Jitsi token for the same room',
  pathSchema: liveClasses.LiveClassPath,
  status: 200,
  response: liveClasses.LiveClassTokenSchema,
  errors: [...ENROLLED_ERRORS, 'live_class_not_started', 'live_class_ended'],
});

export const liveClassesLeave = /* @__PURE__ */ operation('live-classes.leave', {
  method: 'POST',
  path: '/api/live-classes/{live_class_id}/leave',
  auth: 'user',
  access: { table: 'readwrite' },
  summary: "Close the caller's open session",
  pathSchema: liveClasses.LiveClassPath,
  status: 200,
  response: liveClasses.LiveClassLeaveSchema,
  errors: ['not_found', 'not_in_call'],
});

export const liveClassesAttendance = /* @__PURE__ */ operation('live-classes.attendance', {
  method: 'GET',
  path: '/api/live-classes/{live_class_id}/attendance',
  auth: 'user',
  access: { table: 'read' },
  summary: 'Every attendee with sessions and total seconds',
  pathSchema: liveClasses.LiveClassPath,
  status: 200,
  response: liveClasses.AttendanceSchema,
  errors: COURSE_ERRORS,
});

export const liveClassesEnd = /* @__PURE__ */ operation('live-classes.end', {
  method: 'POST',
  path: '/api/live-classes/{live_class_id}/end',
  auth: 'user',
  access: { table: 'readwrite', secrets: ['jitsi-system'] },
  summary: 'End the class for everyone (idempotent)',
  pathSchema: liveClasses.LiveClassPath,
  status: 200,
  response: liveClasses.EndLiveClassSchema,
  errors: [...COURSE_ERRORS, 'live_class_not_started'],
});

export const liveClassOperations = {
  'live-classes.create': liveClassesCreate,
  'live-classes.list': liveClassesList,
  'live-classes.get': liveClassesGet,
  'live-classes.start': liveClassesStart,
  'live-classes.join': liveClassesJoin,
  'live-classes.token': liveClassesToken,
  'live-classes.leave': liveClassesLeave,
  'live-classes.attendance': liveClassesAttendance,
  'live-classes.end': liveClassesEnd,
} as const;
