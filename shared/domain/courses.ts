import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { AppError, forbidden, notFound } from '../errors';
import type { Caller } from '../http/auth';
import { dynamo, send, tableName, toAttributes, toValues } from '../db/client';
import { transactWrite, updateIf } from '../db/items';
import { courseStore, isInstructor, mayJoin, type CourseMemberRecord, type CourseRecord } from '../db/courses';

export type { CourseMemberRecord, CourseRecord } from '../db/courses';
import { keys } from '../db/keys';
import { kickFromCourse } from './jitsi-end';

// A course is known once an admin assigns its first instructor (the learning platform owns the
// catalogue; this API only needs who teaches and who attends). Instructor assignments and courses
// are never removed through the API, so a check read before a write cannot be invalidated by a
// concurrent request; enrollments can be removed, so the join re-checks them in its transaction.

export type CourseRole = 'admin' | 'instructor' | 'student';

/** Admins (roles claim) and the course's assigned instructors host; enrolled students participate. */
export function courseRole(caller: Caller, member: CourseMemberRecord | undefined): CourseRole | undefined {
  if (caller.isAdmin) return 'admin';
  if (isInstructor(member)) return 'instructor';
  if (mayJoin(member)) return 'student';
  return undefined;
}

export const isHostRole = (role: CourseRole | undefined) => role === 'admin' || role === 'instructor';

/**
 * Why an outsider is refused: a student (or a user without a global role) is `not_enrolled`;
 * an instructor of another course is `forbidden`, since enrolling would not be their fix.
 */
export function outsiderError(caller: Caller): AppError {
  if (caller.roles.has('instructor') && !caller.roles.has('student')) {
    return forbidden("Only this course's instructors and enrolled students can do this.");
  }
  return new AppError('not_enrolled', 'You are not enrolled in this course.');
}

export const managersOnly = () => forbidden("Only an admin or this course's instructors can do this.");

export const loadCourseMember = courseStore.loadMember;
export const loadCourseAccess = courseStore.loadAccess;

/** The course if the caller may manage it (admin or its instructor): 404 before 403, as for threads. */
export async function managedCourse(caller: Caller, courseId: string): Promise<CourseRecord> {
  const { course, member } = await loadCourseAccess(courseId, caller.userId);
  if (!course) throw notFound('Course');
  if (!isHostRole(courseRole(caller, member))) throw managersOnly();
  return course;
}

export async function putInstructor(caller: Caller, courseId: string, userId: string, now = new Date()): Promise<void> {
  if (!caller.isAdmin) throw forbidden('Only an admin can assign instructors.');
  const at = now.toISOString();
  await transactWrite([
    {
      Update: {
        TableName: tableName(),
        Key: toAttributes(keys.course(courseId)),
        UpdateExpression: 'SET course_id = :course, created_at = if_not_exists(created_at, :at) ADD instructor_ids :user',
        ExpressionAttributeValues: toValues({ ':course': courseId, ':at': at, ':user': new Set([userId]) }),
      },
    },
    {
      Update: {
        TableName: tableName(),
        Key: toAttributes(keys.courseMember(courseId, userId)),
        UpdateExpression:
          'SET course_id = :course, user_id = :user, instructor = :true, instructor_since = if_not_exists(instructor_since, :at)',
        ExpressionAttributeValues: toValues({ ':course': courseId, ':user': userId, ':true': true, ':at': at }),
      },
    },
  ]);
}

export async function putEnrollment(caller: Caller, courseId: string, userId: string, now = new Date()): Promise<void> {
  await managedCourse(caller, courseId);
  await send(
    dynamo().send(
      new UpdateItemCommand({
        TableName: tableName(),
        Key: toAttributes(keys.courseMember(courseId, userId)),
        UpdateExpression: 'SET course_id = :course, user_id = :user, enrolled = :true, enrolled_at = if_not_exists(enrolled_at, :at)',
        ExpressionAttributeValues: toValues({ ':course': courseId, ':user': userId, ':true': true, ':at': now.toISOString() }),
      }),
    ),
  );
}

/** Idempotent: unenrolling someone who is not enrolled is a 204 too. Past attendance is kept. */
export async function deleteEnrollment(caller: Caller, courseId: string, userId: string): Promise<void> {
  await managedCourse(caller, courseId);
  // UpdateItem would otherwise create an empty member item for a stranger; not enrolled is already done.
  await updateIf({
    TableName: tableName(),
    Key: toAttributes(keys.courseMember(courseId, userId)),
    UpdateExpression: 'REMOVE enrolled, enrolled_at',
    ConditionExpression: 'attribute_exists(pk)',
  });
  await kickFromCourse(courseId, userId);
}
