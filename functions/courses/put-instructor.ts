import { putInstructor } from '../../shared/domain/courses';
import { http } from '../../shared/http/handler';
import { coursesPutInstructor } from '../../shared/http/operations/live-classes';
import { noContent } from '../../shared/http/responses';

// The first assignment makes the course known to this API.
export const handler = http(coursesPutInstructor).handler(async ({ caller, path }) => {
  await putInstructor(caller, path.course_id, path.user_id);
  return noContent();
});
