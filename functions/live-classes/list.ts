import { listLiveClasses } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassesList } from '../../shared/http/operations/live-classes';
import { ok } from '../../shared/http/responses';

export const handler = http(liveClassesList).handler(async ({ caller, path, query }) =>
  ok(await listLiveClasses(caller, path.course_id, query.limit, query.cursor)),
);
