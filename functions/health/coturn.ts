import { http } from '../../shared/http/handler';
import { healthAnswer } from '../../shared/probes/health';

export const handler = http({ operation: 'health.coturn' }).handler(async () => healthAnswer('coturn'));
