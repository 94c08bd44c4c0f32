import { joinCall } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { callsJoin } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callsJoin).handler(async ({ caller, path }) => ok(await joinCall(caller, path.call_id)));
