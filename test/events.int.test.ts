import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { routes, type RouteDefinition } from '../infra/routes';
import { resetConfigForTests } from '../shared/config';
import { lambdaContext, setupApi } from './support/api';
import { sampleEvent } from './support/events';

// events/apigw-v2 holds a sample for every operation (the `npm run invoke` inputs): each is run
// through its real handler in the deployed auth mode, so a sample that the operation's schemas
// would refuse, or an "invalid" one they would accept, fails here.

const DIR = join(import.meta.dirname, '..', 'events', 'apigw-v2');
const files = readdirSync(DIR).filter((name) => name.endsWith('.json'));
const fileBase = (route: RouteDefinition) => route.id.replace('.', '-');

/** What an invalid sample must answer, by the case in its file name. */
function expectedFor(file: string): { status: number; error: string } | 'valid' {
  if (file.endsWith('.valid.json')) return 'valid';
  if (file.endsWith('.no-claims.json')) return { status: 401, error: 'unauthorized' };
  return { status: 400, error: 'validation_error' };
}

function routeOf(file: string): RouteDefinition {
  const route = routes.find((candidate) => file.startsWith(`${fileBase(candidate)}.`));
  if (!route) throw new Error(`${file} names no operation of the route table`);
  return route;
}

async function invoke(route: RouteDefinition, file: string) {
  const { handler } = await import(`../${route.entry}`);
  const result = await handler(sampleEvent(`apigw-v2/${file}`), lambdaContext);
  return { status: result.statusCode as number, body: result.body ? JSON.parse(result.body) : undefined };
}

beforeAll(async () => {
  await setupApi();
  resetConfigForTests();
});

describe('events/apigw-v2 samples', () => {
  it.each(routes.map((route) => [route.id, route] as const))('%s has a valid sample', (_id, route) => {
    expect(files).toContain(`${fileBase(route)}.valid.json`);
  });

  it.each(files)('%s is an event of its route: routeKey, path and path parameters', (file) => {
    const route = routeOf(file);
    const event = sampleEvent(`apigw-v2/${file}`);
    expect(event.routeKey).toBe(`${route.method} ${route.path}`);
    expect(event.requestContext.http.method).toBe(route.method);
    const names = [...route.path.matchAll(/\{([a-z_]+)\}/g)].map((match) => match[1]);
    expect(Object.keys(event.pathParameters ?? {}).sort()).toEqual(names.sort());
    const expectedPath = route.path.replace(/\{([a-z_]+)\}/g, (_, name: string) => encodeURIComponent(event.pathParameters![name]!));
    expect(event.rawPath).toBe(expectedPath);
    expect(Boolean(event.requestContext.authorizer?.jwt?.claims?.sub)).toBe(route.auth === 'user' && !file.endsWith('.no-claims.json'));
  });

  it.each(files)('%s gets the answer its name promises from the real handler', async (file) => {
    const route = routeOf(file);
    const expected = expectedFor(file);
    const answer = await invoke(route, file);
    expect(answer.status).toBeLessThan(500 + (route.id.startsWith('health.') ? 4 : 0));
    if (expected === 'valid') {
      // Placeholders point at nothing yet: 404 or 403 is fine, a refusal of the input is not.
      expect([400, 401, 413, 415]).not.toContain(answer.status);
    } else {
      expect(answer.status).toBe(expected.status);
      expect(answer.body.error).toBe(expected.error);
    }
  });
});
