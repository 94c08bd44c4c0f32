import { getItem } from '../../shared/db/items';
import { operation } from '../../shared/http/contract';
import { http } from '../../shared/http/handler';
import { ok } from '../../shared/http/responses';

// The floor plus only what every route must carry (middy, Powertools Logger and Metrics, zod, the
// configuration, errors and the authorizer's claims) and the shared GetItem: no domain code. The
// cold-start table prints it as a reference row, so the targets can be read against it.
const benchPipeline = operation('bench.pipeline', {
  method: 'GET',
  path: '/bench/pipeline',
  auth: 'user',
  access: { table: 'read' },
  summary: 'cold-start reference: the request pipeline alone',
  status: 200,
  errors: [],
});

export const handler = http(benchPipeline).handler(async () => ok({ item: (await getItem({ pk: 'floor', sk: 'floor' })) ?? null }));
