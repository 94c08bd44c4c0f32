import { removeMember } from '../../shared/domain/threads';
import { http } from '../../shared/http/handler';
import { noContent } from '../../shared/http/responses';
import { ThreadMemberPath } from '../../shared/schemas/threads';

export const handler = http({ operation: 'threads.delete-member', path: ThreadMemberPath }).handler(async ({ caller, path }) => {
  await removeMember(caller, path.thread_id, path.user_id);
  return noContent();
});
