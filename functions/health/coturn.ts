import { http } from '../../shared/http/handler';
import { publicOperations } from '../../shared/http/operations/public';
import { healthAnswer } from '../../shared/probes/health';

export const handler = http(publicOperations['health.coturn']).handler(async () => healthAnswer('coturn'));
