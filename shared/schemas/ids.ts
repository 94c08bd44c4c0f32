import * as z from 'zod/mini';

// Schemas are z.lazy, built on first parse (why: shared/schemas/calls.ts).

// Ids become parts of DynamoDB keys and Jitsi room names: no '#', '/', spaces or upper-case surprises.
export const USER_ID_PATTERN = /^[A-Za-z0-9._@:|+-]{1,128}$/;
export const RESOURCE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export const userId = /* @__PURE__ */ z.lazy(() => z.string().check(z.regex(USER_ID_PATTERN, 'must be 1-128 characters of A-Z a-z 0-9 . _ @ : | + -')));
export const resourceId = /* @__PURE__ */ z.lazy(() => z.string().check(z.regex(RESOURCE_ID_PATTERN, 'must be 1-64 characters of A-Z a-z 0-9 _ -')));
