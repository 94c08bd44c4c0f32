import { listThreadCalls } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { threadsListCalls } from '../../shared/http/operations/threads';
import { ok } from '../../shared/http/responses';

export const handler = http(threadsListCalls).handler(async ({ caller, path, query }) =>
  ok(await listThreadCalls(caller, path.thread_id, query.limit, query.cursor)),
);
