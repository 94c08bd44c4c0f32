import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';

// The local server's process life: its data dir, the lock that keeps one server per DATA_DIR,
// its port, and noticing that whoever started it is gone.

/** Errors of the local start that name the setting at fault; printed as one line, without a stack. */
export class LocalStartError extends Error {
  override name = 'LocalStartError';
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Creates DATA_DIR one level at a time. `mkdirSync(..., { recursive: true })` spins forever on
 * Node 20 under /proc (it retries ENOENT), so the recursive walk is done here, failing at once.
 */
export function prepareDataDir(setting: string): string {
  const dataDir = resolve(setting);
  const missing: string[] = [];
  let existing = dataDir;
  while (!existsSync(existing)) {
    missing.unshift(existing);
    const parent = dirname(existing);
    if (parent === existing) break;
    existing = parent;
  }
  try {
    if (!statSync(existing).isDirectory()) throw new Error(`${existing} is not a directory`);
    for (const dir of missing) mkdirSync(dir);
    if (!statSync(dataDir).isDirectory()) throw new Error(`${dataDir} is not a directory`);
    // A write probe: root passes access() checks even on read-only file systems.
    const probe = join(dataDir, `.write-test-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
  } catch (error) {
    throw new LocalStartError(`DATA_DIR=${setting} cannot be used as the data directory: ${reason(error)}`);
  }
  return dataDir;
}

interface LockContent {
  pid: number;
  url: string;
  dynamoDbPid?: number;
}

export interface DataDirLock {
  /** Records the DynamoDB Local pid, so a later start can name it too. */
  update(content: Partial<LockContent>): void;
  release(): void;
}

/** A zombie (exited, not yet reaped: orphans wait for a busy init) holds no files or port: it counts as gone. */
export const isAlive = (pid: number | undefined) => {
  if (!pid || pid === process.pid) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // No /proc (macOS): kill(0) is all we know.
  }
};

/**
 * One local server per DATA_DIR: two DynamoDB Local processes on the same files corrupt each
 * other's view. The lock names the holder; a lock whose processes are all gone (a SIGKILL) is stale.
 */
export function lockDataDir(dataDir: string, url: string): DataDirLock {
  const file = join(dataDir, 'server.lock');
  let content: LockContent = { pid: process.pid, url };
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify(content));
      closeSync(fd);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) {
        throw new LocalStartError(`DATA_DIR=${dataDir}: cannot create ${file}: ${reason(error)}`);
      }
    }
    let holder: Partial<LockContent> = {};
    try {
      holder = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
    } catch {
      // Half-written or unreadable: treated as stale, like a holder that is gone.
    }
    if (isAlive(holder.pid)) {
      throw new LocalStartError(
        `DATA_DIR=${dataDir} is in use by the local server with pid ${holder.pid} (${holder.url ?? 'url unknown'}): stop it first, or set another DATA_DIR.`,
      );
    }
    if (isAlive(holder.dynamoDbPid)) {
      throw new LocalStartError(
        `DATA_DIR=${dataDir} is in use by DynamoDB Local with pid ${holder.dynamoDbPid}, left by a local server that is gone: stop it first.`,
      );
    }
    unlinkSync(file);
  }
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    process.removeListener('exit', release);
    try {
      const current = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockContent>;
      if (current.pid === process.pid) unlinkSync(file);
    } catch {
      // Already gone.
    }
  };
  process.once('exit', release);
  return {
    update: (changes) => {
      content = { ...content, ...changes };
      writeFileSync(file, JSON.stringify(content), { mode: 0o600 });
    },
    release,
  };
}

/** Fails, naming PORT, when the port is taken: checked before DynamoDB Local starts. */
export function assertPortFree(port: number, host = '127.0.0.1'): Promise<void> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new LocalStartError(
          error.code === 'EADDRINUSE'
            ? `PORT=${port} is already in use on ${host}: stop what listens there, or set another PORT.`
            : `PORT=${port} cannot be used on ${host}: ${error.message}`,
        ),
      ),
    );
    probe.listen(port, host, () => probe.close(() => resolvePort()));
  });
}

/**
 * Calls `onGone` when this process's parent exits. `npm run dev` is npm → sh → node: a SIGTERM to
 * npm or a closed terminal must not leave the server (and DynamoDB Local) running as orphans.
 */
export function watchParent(onGone: () => void, intervalMs = 500): { stop(): void } {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) onGone();
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
