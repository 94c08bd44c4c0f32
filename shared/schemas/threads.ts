import * as z from 'zod/mini';
import { resourceId, userId } from './ids';

// Schemas are z.lazy, built on first parse (why: shared/schemas/calls.ts).

export const MAX_INITIAL_MEMBERS = 200;

export const ThreadPath = /* @__PURE__ */ z.lazy(() => z.strictObject({ thread_id: resourceId }));
export const ThreadMemberPath = /* @__PURE__ */ z.lazy(() => z.strictObject({ thread_id: resourceId, user_id: userId }));

export const CreateThreadBody = /* @__PURE__ */ z.lazy(() =>
  z.strictObject({
    title: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
    member_ids: z.array(userId).check(z.minLength(1), z.maxLength(MAX_INITIAL_MEMBERS)),
  }),
);

export const PutMemberBody = /* @__PURE__ */ z.lazy(() => z.strictObject({ role: z.enum(['member', 'moderator']) }));

export const ListCallsQuery = /* @__PURE__ */ z.lazy(() =>
  z.strictObject({
    limit: z.optional(z.pipe(z.coerce.number(), z.int().check(z.gte(1), z.lte(100)))),
    cursor: z.optional(z.string().check(z.regex(/^[A-Za-z0-9_-]{1,512}$/, 'is not a cursor this API issued'))),
  }),
);

export const ThreadMemberSchema = /* @__PURE__ */ z.lazy(() => z.object({ user_id: z.string(), role: z.enum(['owner', 'moderator', 'member']) }));
export const ThreadSchema = /* @__PURE__ */ z.lazy(() =>
  z.object({
    thread_id: z.string(),
    title: z.nullable(z.string()),
    created_by: z.string(),
    created_at: z.string(),
    members: z.array(ThreadMemberSchema),
  }),
);
