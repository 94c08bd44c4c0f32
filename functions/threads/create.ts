import { createThread } from '../../shared/domain/threads';
import { http } from '../../shared/http/handler';
import { created } from '../../shared/http/responses';
import { CreateThreadBody } from '../../shared/schemas/threads';

export const handler = http({ operation: 'threads.create', body: CreateThreadBody }).handler(async ({ caller, body }) =>
  created(await createThread(caller, body)),
);
