import { http } from '../../shared/http/handler';
import { jitsiRoomCreated } from '../../shared/http/operations/jitsi';
import { noContent } from '../../shared/http/responses';

// Nothing to record: a room becomes a call's or class's through the API; its occupants matter.
export const handler = http(jitsiRoomCreated).handler(async () => noContent());
