import { listLiveClasses } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { CoursePath, ListLiveClassesQuery } from '../../shared/schemas/live-classes';

export const handler = http({ operation: 'live-classes.list', path: CoursePath, query: ListLiveClassesQuery }).handler(
  async ({ caller, path, query }) => ok(await listLiveClasses(caller, path.course_id, query.limit, query.cursor)),
);
