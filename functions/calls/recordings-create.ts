import { createRecording } from '../../shared/domain/recordings';
import { http } from '../../shared/http/handler';
import { callOperations } from '../../shared/http/operations/calls';
import { created } from '../../shared/http/responses';

export const handler = http(callOperations['calls.recordings-create']).handler(async ({ caller, path, body }) =>
  created(await createRecording(caller, path.call_id, body)),
);
