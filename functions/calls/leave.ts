import { leaveCall } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { callsLeave } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callsLeave).handler(async ({ caller, path }) => ok(await leaveCall(caller, path.call_id)));
