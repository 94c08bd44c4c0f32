import { joinLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { LiveClassPath } from '../../shared/schemas/live-classes';

export const handler = http({ operation: 'live-classes.join', path: LiveClassPath }).handler(async ({ caller, path }) =>
  ok(await joinLiveClass(caller, path.live_class_id)),
);
