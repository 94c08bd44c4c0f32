import { putInstructor } from '../../shared/domain/courses';
import { http } from '../../shared/http/handler';
import { noContent } from '../../shared/http/responses';
import { CourseMemberPath } from '../../shared/schemas/live-classes';

// The first assignment makes the course known to this API.
export const handler = http({ operation: 'courses.put-instructor', path: CourseMemberPath }).handler(async ({ caller, path }) => {
  await putInstructor(caller, path.course_id, path.user_id);
  return noContent();
});
