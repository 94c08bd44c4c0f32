import { inspect } from 'node:util';
import { vi } from 'vitest';

/** Everything the process could log while the callback runs: console and raw stdout/stderr. */
export async function captureOutput<T>(run: () => Promise<T>): Promise<{ result: PromiseSettledResult<T>; output: string }> {
  const chunks: string[] = [];
  const record = (...args: unknown[]) => {
    chunks.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg, { depth: Infinity }))).join(' '));
  };
  const spies = [
    ...(['log', 'info', 'warn', 'error', 'debug', 'trace'] as const).map((method) => vi.spyOn(console, method).mockImplementation(record)),
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => (record(String(chunk)), true)),
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk: unknown) => (record(String(chunk)), true)),
  ];
  try {
    const [result] = await Promise.allSettled([run()]);
    return { result: result as PromiseSettledResult<T>, output: chunks.join('\n') };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

/** The error as a logger would render it: message, stack, own properties and the whole cause chain. */
export function renderError(error: unknown): string {
  const parts: string[] = [inspect(error, { depth: Infinity, showHidden: true })];
  for (let current: unknown = error; current instanceof Error; current = current.cause) {
    parts.push(current.message, current.stack ?? '', JSON.stringify(current));
  }
  return parts.join('\n');
}
