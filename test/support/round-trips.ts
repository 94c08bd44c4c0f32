import { vi } from 'vitest';
import { dynamo } from '../../shared/db/client';

/**
 * Records every DynamoDB command the code sends and how many earlier ones had settled when it
 * was sent: commands with the same count ran side by side, so distinct counts are the
 * sequential round trips a user waits for.
 */
export function recordRoundTrips() {
  const client = dynamo();
  const original = client.send.bind(client);
  const calls: { command: string; settledBefore: number; index?: string }[] = [];
  let settled = 0;
  const spy = vi.spyOn(client, 'send').mockImplementation(((command: { constructor: { name: string }; input?: { IndexName?: string } }) => {
    calls.push({
      command: command.constructor.name,
      settledBefore: settled,
      ...(command.input?.IndexName ? { index: command.input.IndexName } : {}),
    });
    return (original as (command: unknown) => Promise<unknown>)(command).finally(() => settled++);
  }) as typeof client.send);
  return {
    calls,
    sequentialRoundTrips: () => new Set(calls.map((entry) => entry.settledBefore)).size,
    restore: () => spy.mockRestore(),
  };
}
