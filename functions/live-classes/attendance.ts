import { liveClassAttendance } from '../../shared/domain/live-classes';
import { http } from '../../shared/http/handler';
import { liveClassesAttendance } from '../../shared/http/operations/live-classes';
import { ok } from '../../shared/http/responses';

export const handler = http(liveClassesAttendance).handler(async ({ caller, path }) =>
  ok(await liveClassAttendance(caller, path.live_class_id)),
);
