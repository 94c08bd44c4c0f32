import { listRecordings } from '../../shared/domain/recordings';
import { http } from '../../shared/http/handler';
import { callOperations } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callOperations['calls.recordings-list']).handler(async ({ caller, path }) =>
  ok(await listRecordings(caller, path.call_id)),
);
