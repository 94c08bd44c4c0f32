import { leaveCall } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { callOperations } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callOperations['calls.leave']).handler(async ({ caller, path }) => ok(await leaveCall(caller, path.call_id)));
