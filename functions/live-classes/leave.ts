import { leaveLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassesLeave } from '../../shared/http/operations/live-classes';
import { ok } from '../../shared/http/responses';

export const handler = http(liveClassesLeave).handler(async ({ caller, path }) => ok(await leaveLiveClass(caller, path.live_class_id)));
