import { startCall } from '../../shared/domain/calls';
import { http } from '../../shared/http/handler';
import { created } from '../../shared/http/responses';
import { StartCallBody } from '../../shared/schemas/calls';

export const handler = http({ operation: 'calls.start', body: StartCallBody }).handler(async ({ caller, body }) =>
  created(await startCall(caller, body)),
);
