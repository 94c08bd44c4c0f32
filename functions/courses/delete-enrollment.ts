import { deleteEnrollment } from '../../shared/domain/courses';
import { http } from '../../shared/http/handler';
import { noContent } from '../../shared/http/responses';
import { CourseMemberPath } from '../../shared/schemas/live-classes';

export const handler = http({ operation: 'courses.delete-enrollment', path: CourseMemberPath }).handler(async ({ caller, path }) => {
  await deleteEnrollment(caller, path.course_id, path.user_id);
  return noContent();
});
