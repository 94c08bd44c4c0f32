import { joinCall } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { CallPath } from '../../shared/schemas/calls';

export const handler = http({ operation: 'calls.join', path: CallPath }).handler(async ({ caller, path }) =>
  ok(await joinCall(caller, path.call_id)),
);
