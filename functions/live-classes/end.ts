import { endLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassesEnd } from '../../shared/http/operations/live-classes';
import { ok } from '../../shared/http/responses';

export const handler = http(liveClassesEnd).handler(async ({ caller, path }) => ok(await endLiveClass(caller, path.live_class_id)));
