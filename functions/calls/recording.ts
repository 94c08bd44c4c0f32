import { controlRecording } from '../../shared/domain/recordings';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { CallPath } from '../../shared/schemas/calls';
import { RecordingControlBody } from '../../shared/schemas/recordings';

export const handler = http({ operation: 'calls.recording', path: CallPath, body: RecordingControlBody }).handler(
  async ({ caller, path, body }) => ok(await controlRecording(caller, path.call_id, body)),
);
