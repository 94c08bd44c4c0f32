import { listThreadCalls } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { ListCallsQuery, ThreadPath } from '../../shared/schemas/threads';

export const handler = http({ operation: 'threads.list-calls', path: ThreadPath, query: ListCallsQuery }).handler(
  async ({ caller, path, query }) => ok(await listThreadCalls(caller, path.thread_id, query.limit, query.cursor)),
);
