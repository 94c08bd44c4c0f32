import { listRecordings } from '../../shared/domain/recordings';
import { http } from '../../shared/http/handler';
import { callsRecordingsList } from '../../shared/http/operations/recordings';
import { ok } from '../../shared/http/responses';

export const handler = http(callsRecordingsList).handler(async ({ caller, path }) => ok(await listRecordings(caller, path.call_id)));
