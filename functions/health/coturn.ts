import { http } from '../../shared/http/handler';
import { healthCoturn } from '../../shared/http/operations/public';
import { healthAnswer } from '../../shared/probes/health';

export const handler = http(healthCoturn).handler(async () => healthAnswer('coturn'));
