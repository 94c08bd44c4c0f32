import { removeMember } from '../../shared/domain/threads';
import { http } from '../../shared/http/handler';
import { threadsDeleteMember } from '../../shared/http/operations/threads';
import { noContent } from '../../shared/http/responses';

export const handler = http(threadsDeleteMember).handler(async ({ caller, path }) => {
  await removeMember(caller, path.thread_id, path.user_id);
  return noContent();
});
