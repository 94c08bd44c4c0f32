import { putMember } from '../../shared/domain/threads';
import { http } from '../../shared/http/handler';
import { threadsPutMember } from '../../shared/http/operations/threads';
import { ok } from '../../shared/http/responses';

export const handler = http(threadsPutMember).handler(async ({ caller, path, body }) =>
  ok(await putMember(caller, path.thread_id, path.user_id, body.role)),
);
