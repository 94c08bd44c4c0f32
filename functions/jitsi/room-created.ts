import { http } from '../../shared/http/handler';
import { jitsiOperations } from '../../shared/http/operations/jitsi';
import { noContent } from '../../shared/http/responses';

// Nothing to record: a room becomes a call's or class's through the API; its occupants matter.
export const handler = http(jitsiOperations['jitsi.room-created']).handler(async () => noContent());
