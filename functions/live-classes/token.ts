import { refreshLiveClassToken } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassesToken } from '../../shared/http/operations/live-classes';
import { ok } from '../../shared/http/responses';

export const handler = http(liveClassesToken).handler(async ({ caller, path }) =>
  ok(await refreshLiveClassToken(caller, path.live_class_id)),
);
