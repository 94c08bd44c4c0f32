import { endLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassOperations } from '../../shared/http/operations/live-classes';
import { ok } from '../../shared/http/responses';

export const handler = http(liveClassOperations['live-classes.end']).handler(async ({ caller, path }) =>
  ok(await endLiveClass(caller, path.live_class_id)),
);
