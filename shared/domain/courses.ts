import { AppError, forbidden, notFound } from '../errors';
import type { Caller } from '../http/auth';
import { courseStore, isInstructor, mayJoin, type CourseMemberRecord, type CourseRecord } from '../db/courses';
import { kickFromCourse } from './jitsi-end';

export type { CourseMemberRecord, CourseRecord } from '../db/courses';

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
  await courseStore.assignInstructor(courseId, userId, now.toISOString());
}

export async function putEnrollment(caller: Caller, courseId: string, userId: string, now = new Date()): Promise<void> {
  await managedCourse(caller, courseId);
  await courseStore.enroll(courseId, userId, now.toISOString());
}

/** Idempotent: unenrolling someone who is not enrolled is a 204 too. Past attendance is kept. */
export async function deleteEnrollment(caller: Caller, courseId: string, userId: string): Promise<void> {
  await managedCourse(caller, courseId);
  // No member item: not enrolled is already done.
  await courseStore.unenroll(courseId, userId);
  await kickFromCourse(courseId, userId);
}
