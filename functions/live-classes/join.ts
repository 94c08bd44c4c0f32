import { joinLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassOperations } from '../../shared/http/operations/live-classes';
import { ok } from '../../shared/http/responses';

export const handler = http(liveClassOperations['live-classes.join']).handler(async ({ caller, path }) =>
  ok(await joinLiveClass(caller, path.live_class_id)),
);
