import { controlRecording } from '../../shared/domain/recordings';
import { http } from '../../shared/http/handler';
import { callsRecording } from '../../shared/http/operations/recordings';
import { ok } from '../../shared/http/responses';

export const handler = http(callsRecording).handler(async ({ caller, path, body }) =>
  ok(await controlRecording(caller, path.call_id, body)),
);
