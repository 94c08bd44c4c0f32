import { getCallLog } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { CallPath } from '../../shared/schemas/calls';

export const handler = http({ operation: 'calls.log', path: CallPath }).handler(async ({ caller, path }) =>
  ok(await getCallLog(caller, path.call_id)),
);
