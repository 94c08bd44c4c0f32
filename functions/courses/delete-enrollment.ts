import { deleteEnrollment } from '../../shared/domain/courses';
import { http } from '../../shared/http/handler';
import { coursesDeleteEnrollment } from '../../shared/http/operations/live-classes';
import { noContent } from '../../shared/http/responses';

export const handler = http(coursesDeleteEnrollment).handler(async ({ caller, path }) => {
  await deleteEnrollment(caller, path.course_id, path.user_id);
  return noContent();
});
