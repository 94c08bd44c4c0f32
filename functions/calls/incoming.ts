import { incomingCalls } from '../../shared/domain/ringing';
import { http } from '../../shared/http/handler';
import { callsIncoming } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callsIncoming).handler(async ({ caller }) => ok(await incomingCalls(caller)));
