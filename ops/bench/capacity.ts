import { performance } from 'node:perf_hooks';

// Capacity per operation against DynamoDB Local: sequential round trips and the read and write
// capacity units DynamoDB reports (ReturnConsumedCapacity: TOTAL on every request), a join into
// a 10-member and a 1,000-member thread side by side, and the crowd's retries per join.
// Needs the environment apiBench sets up (DynamoDB Local, table, issuer).

interface Meter {
  rcu: number;
  wcu: number;
  commands: { settledBefore: number }[];
  settled: number;
}

export async function capacityBench(
  invoke: (id: any, sub: string, params: Record<string, string>, body?: unknown) => Promise<{ status: number; body: any }>,
) {
  const { dynamo } = await import('../../shared/db/client');
  const { createThread, putMember } = await import('../../shared/domain/threads');
  const { simulateTransactionConflicts } = await import('../../test/support/transaction-conflicts');
  const client = dynamo();
  let meter: Meter | undefined;
  client.middlewareStack.add(
    (next) => async (args) => {
      const active = meter;
      (args.input as { ReturnConsumedCapacity?: string }).ReturnConsumedCapacity = 'TOTAL';
      active?.commands.push({ settledBefore: active.settled });
      try {
        const result = await next(args);
        const output = result.output as { ConsumedCapacity?: unknown };
        const consumed = ([] as { ReadCapacityUnits?: number; WriteCapacityUnits?: number; CapacityUnits?: number }[]).concat(
          (output.ConsumedCapacity as never) ?? [],
        );
        for (const entry of consumed) {
          if (!active) break;
          active.rcu += entry.ReadCapacityUnits ?? 0;
          active.wcu += entry.WriteCapacityUnits ?? 0;
        }
        return result;
      } finally {
        if (active) active.settled++;
      }
    },
    { step: 'initialize', name: 'benchCapacity' },
  );
  const measure = async (operation: string, run: () => Promise<{ status: number }>) => {
    meter = { rcu: 0, wcu: 0, commands: [], settled: 0 };
    const response = await run();
    const done = meter;
    meter = undefined;
    return {
      operation,
      status: response.status,
      'round trips': new Set(done.commands.map((command) => command.settledBefore)).size,
      RCU: Math.round(done.rcu * 10) / 10,
      WCU: Math.round(done.wcu * 10) / 10,
    };
  };
  const owner = { userId: 'cap-owner', roles: new Set<string>(), isAdmin: false };
  const threadOf = async (size: number) => {
    const ids = Array.from({ length: size - 1 }, (_, index) => `cap${size}-${index}`);
    const thread = await createThread(owner, { member_ids: ids.slice(0, 199) });
    for (let index = 199; index < ids.length; index += 25) {
      await Promise.all(ids.slice(index, index + 25).map((id) => putMember(owner, thread.thread_id, id, 'member')));
    }
    return { threadId: thread.thread_id, joiner: ids[0] as string, ids };
  };
  const rows = [];
  const small = await threadOf(10);
  const large = await threadOf(1000);
  for (const [label, thread] of [
    ['10-member thread', small],
    ['1,000-member thread', large],
  ] as const) {
    let callId = '';
    rows.push(
      await measure(`calls.start (${label})`, async () => {
        const started = await invoke('calls.start', 'cap-owner', {}, { thread_id: thread.threadId, call_type: 'video' });
        callId = started.body.call_id;
        return started;
      }),
    );
    rows.push(await measure(`calls.join (${label})`, () => invoke('calls.join', thread.joiner, { call_id: callId })));
    rows.push(await measure(`calls.token (${label})`, () => invoke('calls.token', thread.joiner, { call_id: callId })));
    rows.push(await measure(`calls.leave (${label})`, () => invoke('calls.leave', thread.joiner, { call_id: callId })));
    await Promise.all(thread.ids.slice(1, 50).map((id) => invoke('calls.join', id, { call_id: callId })));
    rows.push(await measure(`calls.end (${label}, ≤50 open)`, () => invoke('calls.end', 'cap-owner', { call_id: callId })));
  }
  const joinSmall = rows.find((row) => row.operation === 'calls.join (10-member thread)');
  const joinLarge = rows.find((row) => row.operation === 'calls.join (1,000-member thread)');
  const ratio = joinSmall && joinLarge ? (joinLarge.RCU + joinLarge.WCU) / (joinSmall.RCU + joinSmall.WCU) : NaN;

  // The crowd: every member of the 1,000-member thread joins one call at once, with DynamoDB's
  // transaction conflicts simulated; each conflict is one retry.
  const crowdCall = await invoke('calls.start', 'cap-owner', {}, { thread_id: large.threadId, call_type: 'video' });
  const handler = client.config.requestHandler as { updateHttpClientConfig?: (key: string, value: number) => void };
  handler.updateHttpClientConfig?.('requestTimeout', 240_000);
  handler.updateHttpClientConfig?.('connectionTimeout', 240_000);
  const counter = simulateTransactionConflicts(client);
  const started = performance.now();
  const joins = await Promise.all(large.ids.map((id) => invoke('calls.join', id, { call_id: crowdCall.body.call_id })));
  const seconds = (performance.now() - started) / 1000;
  counter.remove();
  client.middlewareStack.remove('benchCapacity');
  const crowd = {
    crowd: `${joins.length} concurrent joins to one call`,
    ok: joins.filter((join) => join.status === 200).length,
    'retries (conflicts)': counter.conflicts,
    'retries per join': Math.round((counter.conflicts / joins.length) * 1000) / 1000,
    seconds: Math.round(seconds * 10) / 10,
  };
  return { rows, ratio: Math.round(ratio * 100) / 100, crowd };
}
