import { declineCall } from '../../shared/domain/ringing';
import { http } from '../../shared/http/handler';
import { callsDecline } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callsDecline).handler(async ({ caller, path }) => ok(await declineCall(caller, path.call_id)));
