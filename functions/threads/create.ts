import { createThread } from '../../shared/domain/threads';
import { http } from '../../shared/http/handler';
import { threadOperations } from '../../shared/http/operations/threads';
import { created } from '../../shared/http/responses';

export const handler = http(threadOperations['threads.create']).handler(async ({ caller, body }) =>
  created(await createThread(caller, body)),
);
