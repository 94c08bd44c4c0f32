import * as z from 'zod/mini';
import type { Item } from './client';

// Live-class items as read from the table: validated, never cast.

const Status = z.enum(['scheduled', 'live', 'ended']);

export const LiveClassItem = z.looseObject({
  live_class_id: z.string(),
  course_id: z.string(),
  title: z.string(),
  room_name: z.string(),
  status: Status,
  scheduled_at: z.optional(z.string()),
  started_at: z.optional(z.string()),
  started_by: z.optional(z.string()),
  ended_at: z.optional(z.string()),
  ended_by: z.optional(z.string()),
  created_by: z.string(),
  created_at: z.string(),
});

/** The per-shard copy of what a join needs; written in the same transactions as the class item. */
export const GateItem = z.looseObject({
  live_class_id: z.string(),
  course_id: z.string(),
  title: z.string(),
  room_name: z.string(),
  status: Status,
  started_at: z.optional(z.string()),
  ended_at: z.optional(z.string()),
});

export const parseLiveClass = (item: Item | undefined) => (item === undefined ? undefined : LiveClassItem.parse(item));
export const parseGate = (item: Item | undefined) => (item === undefined ? undefined : GateItem.parse(item));
