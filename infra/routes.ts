// The route table, derived from the operation contracts (shared/http/operations): read by the
// CDK stack, the local server, the build and the tests. No aws-cdk-lib here.

import { entryOf, type AuthMode, type HttpMethod, type RouteAccess, type SecretName } from '../shared/http/contract';
import { operations, type OperationId } from '../shared/http/operations';

export type { AuthMode, HttpMethod, OperationId, RouteAccess, SecretName };

export interface RouteDefinition {
  /** `<resource>.<verb>`: also the construct id, log key and metric dimension. */
  readonly id: string;
  readonly method: HttpMethod;
  readonly path: string;
  /** Handler module, relative to the repository root (`functions/<resource>/<verb>.ts`); it exports `handler`. */
  readonly entry: string;
  readonly auth: AuthMode;
  readonly access: RouteAccess;
  readonly summary: string;
  readonly callsSwitch?: boolean;
}

export type ApiRoute = RouteDefinition & { readonly id: OperationId };

export const routes: readonly ApiRoute[] = Object.values(operations).map(
  ({ id, method, path, auth, access, summary, ...contract }): ApiRoute => ({
    id,
    method,
    path,
    entry: entryOf(id),
    auth,
    access,
    summary,
    ...('callsSwitch' in contract ? { callsSwitch: contract.callsSwitch } : {}),
  }),
);

export function routeById(id: OperationId): ApiRoute {
  const route = routes.find((candidate) => candidate.id === id);
  if (!route) throw new Error(`Unknown operation ${id}`);
  return route;
}
