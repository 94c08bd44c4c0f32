import { incomingCalls } from '../../shared/domain/ringing';
import { http } from '../../shared/http/handler';
import { callOperations } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callOperations['calls.incoming']).handler(async ({ caller }) => ok(await incomingCalls(caller)));
