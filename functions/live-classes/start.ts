import { startLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassesStart } from '../../shared/http/operations/live-classes';
import { ok } from '../../shared/http/responses';

export const handler = http(liveClassesStart).handler(async ({ caller, path }) => ok(await startLiveClass(caller, path.live_class_id)));
