import { refreshCallToken } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { callOperations } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callOperations['calls.token']).handler(async ({ caller, path }) =>
  ok(await refreshCallToken(caller, path.call_id)),
);
