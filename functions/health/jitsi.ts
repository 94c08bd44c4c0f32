import { http } from '../../shared/http/handler';
import { healthJitsi } from '../../shared/http/operations/public';
import { healthAnswer } from '../../shared/probes/health';

export const handler = http(healthJitsi).handler(async () => healthAnswer('jitsi'));
