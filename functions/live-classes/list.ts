import { listLiveClasses } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassOperations } from '../../shared/http/operations/live-classes';
import { ok } from '../../shared/http/responses';

export const handler = http(liveClassOperations['live-classes.list']).handler(async ({ caller, path, query }) =>
  ok(await listLiveClasses(caller, path.course_id, query.limit, query.cursor)),
);
