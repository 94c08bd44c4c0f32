import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

// Starts the real local server as a user does (`npm run dev`, or the command it runs) in its own
// process group, and inspects the processes it leaves behind through /proc.

export interface DevProcess {
  child: ChildProcess;
  output: () => string;
  /** Settles with the exit code (or signal name) of the started process. */
  exited: Promise<number | string>;
}

export interface ReadyDevServer extends DevProcess {
  url: string;
  port: number;
  serverPid: number;
  dynamoDbPid?: number;
}

const started = new Set<ChildProcess>();

export function spawnDevServer(options: { viaNpm?: boolean; env: Record<string, string> }): DevProcess {
  const command = options.viaNpm ? ['npm', ['run', '--silent', 'dev']] : [process.execPath, ['--import', 'tsx', 'infra/local/server.ts']];
  const child = spawn(command[0] as string, command[1] as string[], {
    env: {
      PATH: process.env.PATH as string,
      HOME: process.env.HOME as string,
      TMPDIR: process.env.TMPDIR as string,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, as a terminal gives a foreground job: Ctrl-C and a closed terminal signal the group.
    detached: true,
  });
  started.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) =>
    child.once('exit', (code, signal) => {
      started.delete(child);
      resolve(code ?? (signal as string));
    }),
  );
  return { child, output: () => output, exited };
}

export async function startDevServer(options: { viaNpm?: boolean; env: Record<string, string> }): Promise<ReadyDevServer> {
  const dev = spawnDevServer(options);
  const ready = await Promise.race([
    // Both lines: where it listens, and which DynamoDB it uses (printed separately).
    waitFor(
      () =>
        (/DynamoDB Local \(pid \d+\)|DynamoDB at DYNAMODB_ENDPOINT/.test(dev.output()) &&
          /pid (\d+)\) listening on (http:\/\/\S+)/.exec(dev.output())) ||
        null,
      90_000,
      () => dev.output(),
    ),
    dev.exited.then((code) => {
      throw new Error(`dev server exited with ${code}:\n${dev.output()}`);
    }),
  ]);
  const dynamoDbPid = /DynamoDB Local \(pid (\d+)\)/.exec(dev.output())?.[1];
  const url = ready[2] as string;
  return {
    ...dev,
    url,
    port: Number(new URL(url).port),
    serverPid: Number(ready[1]),
    ...(dynamoDbPid ? { dynamoDbPid: Number(dynamoDbPid) } : {}),
  };
}

/** Kills every process group a test started and left running (a failed assertion), by its own pid. */
export function killStartedDevServers() {
  for (const child of started) {
    try {
      if (child.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

/** Polls `probe` until it returns a truthy value, failing after `timeoutMs`. */
export async function waitFor<T>(
  probe: () => T | Promise<T>,
  timeoutMs: number,
  describe: () => string = () => '',
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

import { isAlive } from '../../infra/local/lifecycle';
export { isAlive };

function processTable(): { pid: number; ppid: number; cmdline: string }[] {
  const rows: { pid: number; ppid: number; cmdline: string }[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const cmdline = readFileSync(`/proc/${name}/cmdline`, 'utf8').replaceAll('\0', ' ');
      rows.push({ pid: Number(name), ppid, cmdline });
    } catch {
      // Ended while we looked.
    }
  }
  return rows;
}

/** The pid and every descendant of it, now. */
export function processTree(root: number): number[] {
  const table = processTable();
  const tree = [root];
  for (let index = 0; index < tree.length; index++) {
    for (const row of table) if (row.ppid === tree[index]) tree.push(row.pid);
  }
  return tree;
}

/** Live processes whose command line mentions `text` (DynamoDB Local's -dbPath names the DATA_DIR). */
export const processesMentioning = (text: string) =>
  processTable()
    .filter((row) => row.cmdline.includes(text) && isAlive(row.pid))
    .map((row) => row.pid);

export function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Waits until none of `pids` is alive, nothing mentions `dataDir` and the port is closed. */
export async function waitUntilNothingOutlives(pids: number[], dataDir: string, port: number, timeoutMs = 20_000) {
  await waitFor(
    async () => pids.every((pid) => !isAlive(pid)) && processesMentioning(dataDir).length === 0 && !(await portAccepts(port)),
    timeoutMs,
    () => `: alive ${pids.filter(isAlive).join(',')}; mentioning DATA_DIR ${processesMentioning(dataDir).join(',')}`,
  );
}

/** `npm run dev` on a free port, as a user starts it. */
export async function startViaNpm(dataDir: string): Promise<ReadyDevServer> {
  const { freePort } = await import('../../infra/local/dynamodb-local');
  return startDevServer({ viaNpm: true, env: { PORT: String(await freePort()), DATA_DIR: dataDir } });
}

/** npm → sh → node (the server) → java, as they run now: the pids a stop must leave none of. */
export function chainOf(server: ReadyDevServer): number[] {
  const chain = processTree(server.child.pid as number);
  if (!chain.includes(server.serverPid) || !chain.includes(server.dynamoDbPid as number)) {
    throw new Error(`the server (${server.serverPid}) and DynamoDB Local (${server.dynamoDbPid}) are not under npm: ${chain.join(',')}`);
  }
  return chain;
}

/** One JSON request to a running dev server. */
export async function devApi(server: ReadyDevServer, method: string, path: string, token?: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

/** A bearer from the dev server's local issuer. */
export const devToken = async (server: ReadyDevServer, sub: string) =>
  (await devApi(server, 'POST', '/_local/token', undefined, { sub })).body.token as string;
