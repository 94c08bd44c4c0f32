import type { TransactWriteItem } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { tableName, toAttributes, toValues } from './client';
import { getItem, getItemsInOrder, parseItem } from './items';
import { keys } from './keys';

// The course repository: the course item (its instructor set) and one member item per
// (course, user) with both flags, so one condition covers "may join".

const CourseItem = z.looseObject({ course_id: z.string(), created_at: z.string(), instructor_ids: z.optional(z.set(z.string())) });
export type CourseRecord = z.infer<typeof CourseItem>;

const CourseMemberItem = z.looseObject({
  course_id: z.string(),
  user_id: z.string(),
  instructor: z.optional(z.boolean()),
  enrolled: z.optional(z.boolean()),
});
export type CourseMemberRecord = z.infer<typeof CourseMemberItem>;

// The permission rules of a course member item, each beside the condition that enforces it.
export const isInstructor = (member: CourseMemberRecord | undefined) => member?.instructor === true;
export const mayJoin = (member: CourseMemberRecord | undefined) => member?.instructor === true || member?.enrolled === true;

const memberCheck = (courseId: string, userId: string, condition: string): TransactWriteItem => ({
  ConditionCheck: {
    TableName: tableName(),
    Key: toAttributes(keys.courseMember(courseId, userId)),
    ConditionExpression: condition,
    ExpressionAttributeValues: toValues({ ':true': true }),
  },
});

export const courseStore = {
  load: async (courseId: string) => parseItem(CourseItem, await getItem(keys.course(courseId))),
  loadMember: async (courseId: string, userId: string) => parseItem(CourseMemberItem, await getItem(keys.courseMember(courseId, userId))),
  /** The course and the caller's membership in one round trip. */
  async loadAccess(courseId: string, userId: string) {
    const [course, member] = await getItemsInOrder([keys.course(courseId), keys.courseMember(courseId, userId)]);
    return { course: parseItem(CourseItem, course), member: parseItem(CourseMemberItem, member) };
  },
  parts: {
    /** isInstructor, enforced. */
    isInstructor: (courseId: string, userId: string) => memberCheck(courseId, userId, 'instructor = :true'),
    /** mayJoin, enforced. */
    mayJoin: (courseId: string, userId: string) => memberCheck(courseId, userId, 'instructor = :true OR enrolled = :true'),
  },
};
