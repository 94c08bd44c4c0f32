import { joinLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassesJoin } from '../../shared/http/operations/live-classes';
import { ok } from '../../shared/http/responses';

export const handler = http(liveClassesJoin).handler(async ({ caller, path }) => ok(await joinLiveClass(caller, path.live_class_id)));
