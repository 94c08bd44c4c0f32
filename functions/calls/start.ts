import { startCall } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { callOperations } from '../../shared/http/operations/calls';
import { created } from '../../shared/http/responses';

export const handler = http(callOperations['calls.start']).handler(async ({ caller, body }) => created(await startCall(caller, body)));
