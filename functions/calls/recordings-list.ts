import { listRecordings } from '../../shared/domain/recordings';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { CallPath } from '../../shared/schemas/calls';

export const handler = http({ operation: 'calls.recordings-list', path: CallPath }).handler(async ({ caller, path }) =>
  ok(await listRecordings(caller, path.call_id)),
);
