import { putEnrollment } from '../../shared/domain/courses';
import { http } from '../../shared/http/handler';
import { coursesPutEnrollment } from '../../shared/http/operations/live-classes';
import { noContent } from '../../shared/http/responses';

export const handler = http(coursesPutEnrollment).handler(async ({ caller, path }) => {
  await putEnrollment(caller, path.course_id, path.user_id);
  return noContent();
});
