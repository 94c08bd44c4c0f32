import { createRecording } from '../../shared/domain/recordings';
import { http } from '../../shared/http/handler';
import { created } from '../../shared/http/responses';
import { CallPath } from '../../shared/schemas/calls';
import { CreateRecordingBody } from '../../shared/schemas/recordings';

export const handler = http({ operation: 'calls.recordings-create', path: CallPath, body: CreateRecordingBody }).handler(
  async ({ caller, path, body }) => created(await createRecording(caller, path.call_id, body)),
);
