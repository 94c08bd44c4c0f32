import { getLiveClass } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassesGet } from '../../shared/http/operations/live-classes';
import { ok } from '../../shared/http/responses';

export const handler = http(liveClassesGet).handler(async ({ caller, path }) => ok(await getLiveClass(caller, path.live_class_id)));
