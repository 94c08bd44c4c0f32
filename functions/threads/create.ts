import { createThread } from '../../shared/domain/threads';
import { http } from '../../shared/http/handler';
import { threadsCreate } from '../../shared/http/operations/threads';
import { created } from '../../shared/http/responses';

export const handler = http(threadsCreate).handler(async ({ caller, body }) => created(await createThread(caller, body)));
