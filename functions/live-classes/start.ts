import { startLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';
import { LiveClassPath } from '../../shared/schemas/live-classes';

export const handler = http({ operation: 'live-classes.start', path: LiveClassPath }).handler(async ({ caller, path }) =>
  ok(await startLiveClass(caller, path.live_class_id)),
);
