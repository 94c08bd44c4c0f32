import { putMember } from '../../shared/domain/threads';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { PutMemberBody, ThreadMemberPath } from '../../shared/schemas/threads';

export const handler = http({ operation: 'threads.put-member', path: ThreadMemberPath, body: PutMemberBody }).handler(
  async ({ caller, path, body }) => ok(await putMember(caller, path.thread_id, path.user_id, body.role)),
);
