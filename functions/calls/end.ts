import { endCall } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { callsEnd } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callsEnd).handler(async ({ caller, path }) => ok(await endCall(caller, path.call_id)));
