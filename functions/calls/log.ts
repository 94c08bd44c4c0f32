import { getCallLog } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { callsLog } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callsLog).handler(async ({ caller, path }) => ok(await getCallLog(caller, path.call_id)));
