import { performance } from 'node:perf_hooks';
import { DynamoDBClient, GetItemCommand, type AttributeValue, type TransactWriteItem } from '@aws-sdk/client-dynamodb';
import { itemSize, readUnits, writeUnits } from './capacity-rules';

// Capacity per operation against DynamoDB Local: sequential round trips and the read and write
// capacity units each request would bill on DynamoDB, computed from item sizes by the documented
// rules (capacity-rules.ts) because DynamoDB Local reports a single figure and bills no condition
// check; its own figure (ReturnConsumedCapacity: TOTAL) is shown beside. A join into a 10-member
// and a 1,000-member thread side by side, and the crowd's retries per join.
// Needs the environment apiBench sets up (DynamoDB Local, table, issuer).

interface Meter {
  rcu: number;
  wcu: number;
  /** What DynamoDB Local itself reported (CapacityUnits only, condition checks not billed). */
  local: number;
  commands: { settledBefore: number }[];
  settled: number;
}

type Key = Record<string, AttributeValue>;
type Input = Record<string, any>;

/**
 * Bills one request by DynamoDB's rules from the items it reads and writes. Items a request
 * does not carry (the target of an update, delete or condition check) are read beforehand, and
 * after an update, through `side`, a client outside the meter.
 */
async function billed(side: DynamoDBClient, command: string, input: Input, send: () => Promise<{ output: unknown }>) {
  const sizeOf = async (table: string, key: Key) =>
    itemSize((await side.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item);
  const keyOf = (item: Key | undefined): Key => ({ pk: item?.pk as AttributeValue, sk: item?.sk as AttributeValue });
  let rcu = 0;
  let wcu = 0;
  if (command === 'PutItemCommand') {
    const before = await sizeOf(input.TableName, keyOf(input.Item));
    wcu += writeUnits(Math.max(before, itemSize(input.Item)));
  } else if (command === 'UpdateItemCommand' || command === 'DeleteItemCommand') {
    const before = await sizeOf(input.TableName, input.Key);
    const result = await send().catch((error: unknown) => ({ error }));
    const after = command === 'UpdateItemCommand' ? await sizeOf(input.TableName, input.Key) : 0;
    wcu += writeUnits(Math.max(before, after));
    return { rcu, wcu, result };
  } else if (command === 'TransactWriteItemsCommand') {
    const parts = input.TransactItems as TransactWriteItem[];
    const before = await Promise.all(
      parts.map((part) => {
        const target = part.ConditionCheck ?? part.Update ?? part.Delete;
        return target
          ? sizeOf(target.TableName as string, target.Key as Key)
          : sizeOf(part.Put?.TableName as string, keyOf(part.Put?.Item));
      }),
    );
    const result = await send().catch((error: unknown) => ({ error }));
    for (const [index, part] of parts.entries()) {
      const size = before[index] ?? 0;
      if (part.ConditionCheck) rcu += readUnits(size, 'transactional');
      else if (part.Put) wcu += writeUnits(Math.max(size, itemSize(part.Put.Item)), true);
      else if (part.Delete) wcu += writeUnits(size, true);
      else if (part.Update) wcu += writeUnits(Math.max(size, await sizeOf(part.Update.TableName as string, part.Update.Key as Key)), true);
    }
    return { rcu, wcu, result };
  }
  const result = await send().catch((error: unknown) => ({ error }));
  const output = ('output' in result ? result.output : {}) as Input;
  const mode = input.ConsistentRead ? 'strong' : 'eventual';
  if (command === 'GetItemCommand') rcu += readUnits(itemSize(output.Item), mode);
  if (command === 'QueryCommand')
    rcu += readUnits(
      (output.Items ?? []).reduce((sum: number, item: Key) => sum + itemSize(item), 0),
      mode,
    );
  if (command === 'BatchGetItemCommand') {
    for (const [table, request] of Object.entries(input.RequestItems as Record<string, { Keys: Key[]; ConsistentRead?: boolean }>)) {
      const found = (output.Responses?.[table] ?? []) as Key[];
      const readMode = request.ConsistentRead ? 'strong' : 'eventual';
      rcu += found.reduce((sum, item) => sum + readUnits(itemSize(item), readMode), 0);
      rcu += (request.Keys.length - found.length) * readUnits(0, readMode);
    }
  }
  return { rcu, wcu, result };
}

export async function capacityBench(
  invoke: (id: any, sub: string, params: Record<string, string>, body?: unknown) => Promise<{ status: number; body: any }>,
  endpoint: string,
) {
  const { dynamo } = await import('../../shared/db/client');
  const { createThread, putMember } = await import('../../shared/domain/threads');
  const { simulateTransactionConflicts } = await import('../../test/support/transaction-conflicts');
  const { crowdClient, failureSummary } = await import('../../test/support/crowd');
  const client = dynamo();
  const side = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  let meter: Meter | undefined;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const active = meter;
      if (!active) return next(args);
      const input = args.input as Input;
      input.ReturnConsumedCapacity = 'TOTAL';
      active.commands.push({ settledBefore: active.settled });
      try {
        const { rcu, wcu, result } = await billed(side, context.commandName ?? '', input, () => next(args));
        active.rcu += rcu;
        active.wcu += wcu;
        if ('error' in result) throw result.error;
        const consumed = ([] as { CapacityUnits?: number }[]).concat(((result.output as Input).ConsumedCapacity as never) ?? []);
        for (const entry of consumed) active.local += entry.CapacityUnits ?? 0;
        return result as Awaited<ReturnType<typeof next>>;
      } finally {
        active.settled++;
      }
    },
    { step: 'initialize', name: 'benchCapacity' },
  );
  const measure = async (operation: string, run: () => Promise<{ status: number }>) => {
    meter = { rcu: 0, wcu: 0, local: 0, commands: [], settled: 0 };
    const response = await run();
    const done = meter;
    meter = undefined;
    return {
      operation,
      status: response.status,
      'round trips': new Set(done.commands.map((command) => command.settledBefore)).size,
      RCU: Math.round(done.rcu * 10) / 10,
      WCU: Math.round(done.wcu * 10) / 10,
      'Local CU': Math.round(done.local * 10) / 10,
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
  // transaction conflicts simulated; each conflict is one retry. Requests go out 32 at a time
  // (test/support/crowd.ts) so that queueing in this one process is not mistaken for a failure.
  const crowdCall = await invoke('calls.start', 'cap-owner', {}, { thread_id: large.threadId, call_type: 'video' });
  const limiter = crowdClient(client);
  const counter = simulateTransactionConflicts(client);
  const started = performance.now();
  const joins = await Promise.all(large.ids.map((id) => invoke('calls.join', id, { call_id: crowdCall.body.call_id })));
  const seconds = (performance.now() - started) / 1000;
  counter.remove();
  limiter.restore();
  client.middlewareStack.remove('benchCapacity');
  const crowd = {
    crowd: `${joins.length} concurrent joins to one call`,
    ok: joins.filter((join) => join.status === 200).length,
    failed: failureSummary(joins).join(', ') || 'none',
    'retries (conflicts)': counter.conflicts,
    'retries per join': Math.round((counter.conflicts / joins.length) * 1000) / 1000,
    'SDK retries per join': Math.round(((limiter.attempts - limiter.requests) / joins.length) * 1000) / 1000,
    seconds: Math.round(seconds * 10) / 10,
  };
  return { rows, ratio: Math.round(ratio * 100) / 100, crowd };
}
