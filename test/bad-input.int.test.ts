import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../infra/routes';
import { call, setupApi } from './support/api';

// Whatever a client sends, the answer is a 2xx or a clear 4xx with a contract code: never a 500.

const CONTRACT_CODES = new Set([
  'validation_error',
  'unauthorized',
  'forbidden',
  'not_a_thread_member',
  'not_enrolled',
  'not_found',
  'call_in_progress',
  'call_ended',
  'not_in_call',
  'consent_required',
  'live_class_not_started',
  'live_class_ended',
  'payload_too_large',
]);

const pathValue = fc.oneof(
  fc.string({ minLength: 1, maxLength: 80 }),
  fc.constantFrom('..', '%00', 'a#b', 'A'.repeat(200), 'x/y', ' ', '\u0000', '😀', 'aaaaaaaaaaaaaaaa'),
);
const body = fc.oneof(
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.string({ maxLength: 200 }),
  fc.constant('{"thread_id":"t","call_type":"video","extra":1}'),
);
const query = fc.oneof(
  fc.constant(''),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('limit=-1', 'limit=abc', 'cursor=%%%', 'limit=100000'),
);

beforeAll(async () => {
  await setupApi();
});

describe('bad input', () => {
  it.each(routes.filter((route) => route.auth === 'user').map((route) => [route.id, route] as const))(
    '%s never answers 5xx to random paths, bodies and queries',
    async (_id, route) => {
      const names = [...route.path.matchAll(/\{([a-z_]+)\}/g)].map((match) => match[1] as string);
      await fc.assert(
        fc.asyncProperty(
          fc.array(pathValue, { minLength: names.length, maxLength: names.length }),
          body,
          query,
          async (values, rawBody, rawQuery) => {
            const params = Object.fromEntries(names.map((name, index) => [name, values[index] as string]));
            const response = await call(route.id, { as: { sub: 'fuzzer', roles: ['admin'] }, params, rawBody, query: rawQuery });
            expect(response.status, `${route.id} ${JSON.stringify({ params, rawBody, rawQuery })}`).toBeLessThan(500);
            if (response.status >= 400) expect(CONTRACT_CODES).toContain(response.body.error);
          },
        ),
        { numRuns: 12 },
      );
    },
  );
});
