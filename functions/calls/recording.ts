import { controlRecording } from '../../shared/domain/recordings';
import { http } from '../../shared/http/handler';
import { callOperations } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callOperations['calls.recording']).handler(async ({ caller, path, body }) =>
  ok(await controlRecording(caller, path.call_id, body)),
);
