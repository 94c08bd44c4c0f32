import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { dynamo } from '../shared/db/client';
import { createThread, putMember } from '../shared/domain/threads';
import { putEnrollment, putInstructor } from '../shared/domain/courses';
import type { Caller } from '../shared/http/auth';
import { call, setupApi } from './support/api';
import { crowdClient, failureSummary, type CrowdClient } from './support/crowd';
import { simulateTransactionConflicts, type ConflictCounter } from './support/transaction-conflicts';

// Crowds against DynamoDB Local with DynamoDB's transaction conflicts simulated: a join's
// transaction must hold only the joiner's own items, or the crowd would queue on a shared one.

const caller = (userId: string, admin = false): Caller => ({ userId, roles: new Set(admin ? ['admin'] : []), isAdmin: admin });
let counter: ConflictCounter | undefined;
let crowd: CrowdClient | undefined;

beforeAll(async () => {
  await setupApi();
});

afterEach(() => {
  counter?.remove();
  crowd?.restore();
  crowd = undefined;
});

const retriesLine = (what: string, joins: number) =>
  `${what}: ${counter?.conflicts} conflicts in ${counter?.transactions} transactions, ` +
  `${((counter?.conflicts ?? 0) / joins).toFixed(3)} transaction retries and ` +
  `${(((crowd?.attempts ?? 0) - (crowd?.requests ?? 0)) / joins).toFixed(3)} SDK retries per join`;

/** Runs `work` over `items` at most `width` at a time (seeding, not the measured crowd). */
async function inBatches<T>(items: T[], width: number, work: (item: T) => Promise<unknown>) {
  for (let index = 0; index < items.length; index += width) await Promise.all(items.slice(index, index + width).map(work));
}

describe('crowds', () => {
  it('lets 1,000 members join one call at once, with no transaction conflict', async () => {
    const members = Array.from({ length: 999 }, (_, index) => `m${index}`);
    const thread = await createThread(caller('owner'), { member_ids: members.slice(0, 199) });
    await inBatches(members.slice(199), 20, (userId) => putMember(caller('owner'), thread.thread_id, userId, 'member'));
    const started = await call('calls.start', { as: { sub: 'owner' }, body: { thread_id: thread.thread_id, call_type: 'video' } });
    expect(started.status).toBe(201);

    counter = simulateTransactionConflicts(dynamo());
    crowd = crowdClient(dynamo());
    const joins = await Promise.all(
      members.concat('owner').map((sub) => call('calls.join', { as: { sub }, params: { call_id: started.body.call_id } })),
    );
    console.info(retriesLine('1,000 joins to one call', 1000));
    expect(failureSummary(joins)).toEqual([]);
    expect(joins).toHaveLength(1000);
    expect(counter.conflicts).toBe(0);
    counter.remove();

    const log = await call('calls.log', { as: { sub: 'owner' }, params: { call_id: started.body.call_id } });
    expect(new Set(log.body.participants.map((session: { user_id: string }) => session.user_id)).size).toBe(1000);
  }, 300_000);

  it('lets 2,000 students join one live class at once, with no transaction conflict', async () => {
    const admin = caller('root', true);
    await putInstructor(admin, 'crowd-101', 'tina');
    const students = Array.from({ length: 2000 }, (_, index) => `s${index}`);
    await inBatches(students, 50, (userId) => putEnrollment(admin, 'crowd-101', userId));
    const created = await call('live-classes.create', {
      as: { sub: 'tina' },
      params: { course_id: 'crowd-101' },
      body: { title: 'Crowd' },
    });
    const liveClassId = created.body.live_class_id as string;
    expect((await call('live-classes.start', { as: { sub: 'tina' }, params: { live_class_id: liveClassId } })).status).toBe(200);

    counter = simulateTransactionConflicts(dynamo());
    crowd = crowdClient(dynamo());
    const joins = await Promise.all(
      students.map((sub) => call('live-classes.join', { as: { sub, roles: ['student'] }, params: { live_class_id: liveClassId } })),
    );
    console.info(retriesLine('2,000 joins to one live class', 2000));
    expect(failureSummary(joins)).toEqual([]);
    expect(joins).toHaveLength(2000);
    expect(counter.conflicts).toBe(0);
  }, 300_000);

  it('the simulation does conflict when two transactions share an item: concurrent adds to one thread retry and all land', async () => {
    const thread = await createThread(caller('owner'), { member_ids: ['a'] });
    // The first transaction waits for a second to collide with it: no timing decides the outcome.
    counter = simulateTransactionConflicts(dynamo(), { holdUntilConflict: true });
    crowd = crowdClient(dynamo());
    const adds = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        call('threads.put-member', {
          as: { sub: 'owner' },
          params: { thread_id: thread.thread_id, user_id: `n${index}` },
          body: { role: 'member' },
        }),
      ),
    );
    // All adds touch the thread item (its member count): some lost a conflict and were retried.
    expect(counter.conflicts).toBeGreaterThan(0);
    for (const add of adds) expect([200, 503]).toContain(add.status);
    counter.remove();
    const view = await call('threads.get', { as: { sub: 'owner' }, params: { thread_id: thread.thread_id } });
    expect(view.body.members).toHaveLength(2 + adds.filter((add) => add.status === 200).length);
  }, 60_000);
});
