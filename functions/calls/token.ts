import { refreshCallToken } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { callsToken } from '../../shared/http/operations/calls';
import { ok } from '../../shared/http/responses';

export const handler = http(callsToken).handler(async ({ caller, path }) => ok(await refreshCallToken(caller, path.call_id)));
