import { removeMember } from '../../shared/domain/threads';
import { http } from '../../shared/http/handler';
import { threadOperations } from '../../shared/http/operations/threads';
import { noContent } from '../../shared/http/responses';

export const handler = http(threadOperations['threads.delete-member']).handler(async ({ caller, path }) => {
  await removeMember(caller, path.thread_id, path.user_id);
  return noContent();
});
