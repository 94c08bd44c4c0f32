import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { renderProsodyConfig, type ProsodyConfigValues } from '../../ops/jitsi/render';

// A real Prosody (Debian's package) on loopback free ports, configured with exactly the
// rendered ops/jitsi template, stopped by its pid. Its log can hold the app secret and whole
// JWTs (refused joins log them), so it stays in a private temp dir that stop() deletes.

export const PLUGINS_HELP = [
  'JITSI_PROSODY_PLUGINS is not set: the Jitsi tests need the Prosody plugins of Jitsi Meet.',
  'Point it at a directory holding',
  '  jitsi-meet/prosody-plugins/  (https://github.com/jitsi/jitsi-meet, resources/prosody-plugins)',
  '  jitsi-contrib/               (https://github.com/jitsi-contrib/prosody-plugins: event_sync, token_lobby_bypass, token_lobby_ondemand)',
  'e.g. JITSI_PROSODY_PLUGINS=../shared/jitsi-prosody npm run test:jitsi',
].join('\n');

export function pluginPaths(relativeRoot: string): string[] {
  const root = resolve(relativeRoot);
  const paths = [
    join(root, 'jitsi-meet', 'prosody-plugins'),
    join(root, 'jitsi-contrib', 'event_sync'),
    join(root, 'jitsi-contrib', 'token_lobby_bypass'),
    join(root, 'jitsi-contrib', 'token_lobby_ondemand'),
  ];
  const missing = paths.filter((path) => !existsSync(path));
  if (missing.length) throw new Error(`missing under JITSI_PROSODY_PLUGINS: ${missing.join(', ')}\n${PLUGINS_HELP}`);
  return paths;
}

// Debian packages basexx and inspect for older Lua versions only; both are one pure-Lua file.
const LUA_SINGLE_FILES = ['basexx', 'inspect'];

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RunningProsody {
  /** Warnings and errors from the log, secrets and JWTs redacted. */
  logTail(): string;
  httpUrl: string;
  websocketUrl: string;
  pid: number;
  register(username: string, host: string, password: string): void;
  stop(): Promise<void>;
}

export async function startProsody(values: Omit<ProsodyConfigValues, 'PLUGIN_PATHS'> & { pluginsRoot: string }): Promise<RunningProsody> {
  const { pluginsRoot, ...rest } = values;
  // Rendered before anything is written, so a bad value leaves nothing behind.
  const jitsiConfig = renderProsodyConfig({ ...rest, PLUGIN_PATHS: pluginPaths(pluginsRoot) });
  const dir = mkdtempSync(join(tmpdir(), 'jitsi-prosody-'));
  const dataDir = join(dir, 'data');
  const luaDir = join(dir, 'lua');
  mkdirSync(dataDir, { mode: 0o700 });
  mkdirSync(luaDir);
  mkdirSync(join(dir, "certs"));
  for (const name of LUA_SINGLE_FILES) {
    const source = ['5.4', '5.3', '5.2', '5.1'].map((version) => `/usr/share/lua/${version}/${name}.lua`).find(existsSync);
    if (!source) throw new Error(`${name}.lua not found: apt-get install lua-${name}`);
    symlinkSync(source, join(luaDir, `${name}.lua`));
  }

  const [c2sPort, httpPort] = [await freePort(), await freePort()];
  const logFile = join(dir, 'prosody.log');
  writeFileSync(join(dir, 'jitsi.cfg.lua'), jitsiConfig, { mode: 0o600 });
  const configFile = join(dir, 'prosody.cfg.lua');
  writeFileSync(
    configFile,
    `-- The test's main config: ports, paths, log. Jitsi's part is the rendered ops/jitsi template.
run_as_root = true
daemonize = false
pidfile = "${join(dir, 'prosody.pid')}"
data_path = "${dataDir}"
certificates = "${join(dir, 'certs')}"
log = { { levels = { min = "info" }, to = "file", filename = "${logFile}" } }
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { ${c2sPort} }
s2s_ports = { }
component_ports = { }
http_ports = { ${httpPort} }
http_interfaces = { "127.0.0.1" }
https_ports = { }
modules_enabled = { "roster"; "saslauth"; "disco"; "ping"; "posix" }
modules_disabled = { "s2s" }
storage = "internal"
Include "${join(dir, 'jitsi.cfg.lua')}"
`,
    { mode: 0o600 },
  );

  const env = { ...process.env, LUA_PATH: `${luaDir}/?.lua;;` };
  const child: ChildProcess = spawn('prosody', ['--config', configFile, '-F'], { env, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const redact = (text: string) =>
    text
      .replaceAll(values.JITSI_APP_SECRET, '[app secret]')
      .replaceAll(values.JITSI_EVENTS_SECRET, '[events secret]')
      .replace(/eyJ[\w-]+\.[\w-]+\.[\w-]+/g, '[jwt]');
  const logTail = () => (existsSync(logFile) ? redact(readFileSync(logFile, 'utf8')).split('\n').filter((line) => /error|warn/i.test(line)).slice(-30).join('\n') : '');

  const stop = async () => {
    if (child.exitCode === null && child.pid) {
      process.kill(child.pid, 'SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) {
      const tail = logTail();
      await stop();
      throw new Error(`prosody exited with ${child.exitCode} at start:\n${tail}`);
    }
    // Ready once the HTTP server answers (mod_http loads with the hosts).
    const ready = await fetch(`${httpUrl}/xmpp-websocket`, { signal: AbortSignal.timeout(1_000) }).then(
      () => true,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      const tail = logTail();
      await stop();
      throw new Error(`prosody did not start within 20 s:\n${tail}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    httpUrl,
    websocketUrl: `ws://127.0.0.1:${httpPort}/xmpp-websocket`,
    pid: child.pid ?? 0,
    register(username, host, password) {
      const result = spawnSync('prosodyctl', ['--config', configFile, 'register', username, host, password], { env, encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`prosodyctl register ${username}@${host} failed: ${redact(result.stdout + result.stderr)}`);
    },
    logTail,
    stop,
  };
}
