import { getLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { LiveClassPath } from '../../shared/schemas/live-classes';

export const handler = http({ operation: 'live-classes.get', path: LiveClassPath }).handler(async ({ caller, path }) =>
  ok(await getLiveClass(caller, path.live_class_id)),
);
