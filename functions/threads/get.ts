import { readableThread, toThreadView } from '../../shared/domain/threads';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { ThreadPath } from '../../shared/schemas/threads';

export const handler = http({ operation: 'threads.get', path: ThreadPath }).handler(async ({ caller, path }) =>
  ok(toThreadView(await readableThread(caller, path.thread_id))),
);
