import { putEnrollment } from '../../shared/domain/courses';
import { http } from '../../shared/http/handler';
import { noContent } from '../../shared/http/responses';
import { CourseMemberPath } from '../../shared/schemas/live-classes';

export const handler = http({ operation: 'courses.put-enrollment', path: CourseMemberPath }).handler(async ({ caller, path }) => {
  await putEnrollment(caller, path.course_id, path.user_id);
  return noContent();
});
