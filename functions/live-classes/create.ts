import { createLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassesCreate } from '../../shared/http/operations/live-classes';
import { created } from '../../shared/http/responses';

export const handler = http(liveClassesCreate).handler(async ({ caller, path, body }) =>
  created(await createLiveClass(caller, path.course_id, body)),
);
