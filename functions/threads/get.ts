import { readableThread, toThreadView } from '../../shared/domain/threads';
import { http } from '../../shared/http/handler';
import { threadsGet } from '../../shared/http/operations/threads';
import { ok } from '../../shared/http/responses';

export const handler = http(threadsGet).handler(async ({ caller, path }) => ok(toThreadView(await readableThread(caller, path.thread_id))));
