import { createRecording } from '../../shared/domain/recordings';
import { http } from '../../shared/http/handler';
import { callsRecordingsCreate } from '../../shared/http/operations/recordings';
import { created } from '../../shared/http/responses';

export const handler = http(callsRecordingsCreate).handler(async ({ caller, path, body }) =>
  created(await createRecording(caller, path.call_id, body)),
);
