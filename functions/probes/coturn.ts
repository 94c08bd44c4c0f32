import { probeCoturn } from '../../shared/probes/configured';
import { scheduledProbe } from '../../shared/probes/scheduled';

export const handler = scheduledProbe('coturn', probeCoturn);
