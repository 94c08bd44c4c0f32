import { UpdateItemCommand, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import * as z from 'zod/mini';
import { dynamo, send, tableName, toAttributes, toValues } from './client';
import { getItem, getItemsInOrder, parseItem, retryOnConflict, RETRY, updateIf } from './items';
import { keys } from './keys';
import { transaction } from './transaction';

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

const memberUpdate = (courseId: string, userId: string, set: string, values: Record<string, unknown>) => ({
  TableName: tableName(),
  Key: toAttributes(keys.courseMember(courseId, userId)),
  UpdateExpression: `SET course_id = :course, user_id = :user, ${set}`,
  ExpressionAttributeValues: toValues({ ':course': courseId, ':user': userId, ...values }),
});

export const courseStore = {
  load: async (courseId: string) => parseItem(CourseItem, await getItem(keys.course(courseId))),
  loadMember: async (courseId: string, userId: string) => parseItem(CourseMemberItem, await getItem(keys.courseMember(courseId, userId))),
  /** The course and the caller's membership in one round trip. */
  async loadAccess(courseId: string, userId: string) {
    const [course, member] = await getItemsInOrder([keys.course(courseId), keys.courseMember(courseId, userId)]);
    return { course: parseItem(CourseItem, course), member: parseItem(CourseMemberItem, member) };
  },
  /**
   * Creates the course on its first instructor and marks the member item, in one transaction
   * (named parts `course`, `member`); idempotent, so a conflict is simply retried.
   */
  async assignInstructor(courseId: string, userId: string, at: string): Promise<void> {
    await retryOnConflict(async () => {
      const outcome = await transaction({
        course: {
          Update: {
            TableName: tableName(),
            Key: toAttributes(keys.course(courseId)),
            UpdateExpression: 'SET course_id = :course, created_at = if_not_exists(created_at, :at) ADD instructor_ids :user',
            ExpressionAttributeValues: toValues({ ':course': courseId, ':at': at, ':user': new Set([userId]) }),
          },
        },
        member: {
          Update: memberUpdate(courseId, userId, 'instructor = :true, instructor_since = if_not_exists(instructor_since, :at)', {
            ':true': true,
            ':at': at,
          }),
        },
      });
      return outcome.ok ? undefined : RETRY;
    });
  },
  /** Enrolls the user; enrolling again keeps the first `enrolled_at`. */
  async enroll(courseId: string, userId: string, at: string): Promise<void> {
    await send(
      dynamo().send(
        new UpdateItemCommand(
          memberUpdate(courseId, userId, 'enrolled = :true, enrolled_at = if_not_exists(enrolled_at, :at)', { ':true': true, ':at': at }),
        ),
      ),
    );
  },
  /** Clears the enrollment; false when there is no member item (UpdateItem would otherwise create an empty one). */
  unenroll: (courseId: string, userId: string): Promise<boolean> =>
    updateIf({
      TableName: tableName(),
      Key: toAttributes(keys.courseMember(courseId, userId)),
      UpdateExpression: 'REMOVE enrolled, enrolled_at',
      ConditionExpression: 'attribute_exists(pk)',
    }),
  parts: {
    /** isInstructor, enforced. */
    isInstructor: (courseId: string, userId: string) => memberCheck(courseId, userId, 'instructor = :true'),
    /** mayJoin, enforced. */
    mayJoin: (courseId: string, userId: string) => memberCheck(courseId, userId, 'instructor = :true OR enrolled = :true'),
  },
};
