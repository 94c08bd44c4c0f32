import { startCall } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { callsStart } from '../../shared/http/operations/calls';
import { created } from '../../shared/http/responses';

export const handler = http(callsStart).handler(async ({ caller, body }) => created(await startCall(caller, body)));
