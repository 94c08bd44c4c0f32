import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { resolveStageSettings, type StageContext } from '../infra/constructs/stage-config';

// `npm run csp -- --stage staging`: the Content-Security-Policy a front end that embeds Jitsi
// sends (ops/csp.md explains each directive), from the stage's cdk.json context, written to
// ops/jitsi-csp-<stage>.txt with the curl command and browser-console script that verify it.

const REPO_ROOT = resolve(import.meta.dirname, '..');

export interface CspInputs {
  /** The Jitsi front's origin (JITSI_PUBLIC_URL). */
  jitsiOrigin: string;
  /** This API's origin: clients call it with fetch. */
  apiOrigin: string;
  /** Where the app itself opens the live channel (a WebSocket); the host of the API unless given. */
  liveChannelOrigin?: string;
}

/** Directive → sources, in the order they are sent. */
export function cspDirectives(inputs: CspInputs): [string, string[]][] {
  const jitsi = new URL(inputs.jitsiOrigin).origin;
  const api = new URL(inputs.apiOrigin).origin;
  const live = inputs.liveChannelOrigin ? new URL(inputs.liveChannelOrigin).origin : api.replace(/^http/, 'ws');
  return [
    ['default-src', ["'self'"]],
    // external_api.js is served by the Jitsi front.
    ['script-src', ["'self'", jitsi]],
    // The meeting iframe, and nothing else may be framed.
    ['frame-src', [jitsi]],
    // Media and XMPP run inside the Jitsi iframe under Jitsi's origin; the host page only calls
    // this API and, in the foreground, its live channel.
    ['connect-src', ["'self'", api, live]],
    ['img-src', ["'self'", 'data:', jitsi]],
    ['style-src', ["'self'", "'unsafe-inline'"]],
    ['object-src', ["'none'"]],
    ['base-uri', ["'self'"]],
    ['frame-ancestors', ["'self'"]],
  ];
}

export function cspHeaderValue(inputs: CspInputs): string {
  return cspDirectives(inputs)
    .map(([name, sources]) => `${name} ${sources.join(' ')}`)
    .join('; ');
}

/** Parses a header value back into directives (the tests and the verify script compare these). */
export function parseCsp(value: string): Map<string, string[]> {
  const directives = new Map<string, string[]>();
  for (const part of value.split(';')) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name && !directives.has(name.toLowerCase())) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

export function cspFile(stage: string, inputs: CspInputs, frontEndOrigins: readonly string[]): string {
  const header = cspHeaderValue(inputs);
  const front = frontEndOrigins[0] ?? 'https://<front end of this stage>';
  const verifyScript = [
    '(async () => {',
    `  const expected = ${JSON.stringify(header)};`,
    "  const sent = (await fetch(location.href, { cache: 'no-store' })).headers.get('content-security-policy');",
    "  const norm = (v) => (v || '').split(';').map((d) => d.trim().split(/\\s+/).join(' ')).filter(Boolean).sort().join('; ');",
    "  console.log(norm(sent) === norm(expected) ? 'CSP: as expected' : `CSP differs:\\n sent     ${sent}\\n expected ${expected}`);",
    "  const probe = (src) => new Promise((done) => {",
    "    const frame = document.createElement('iframe');",
    "    const onViolation = (e) => { if (e.blockedURI.startsWith(new URL(src).origin)) { cleanup(); done('blocked'); } };",
    "    const cleanup = () => { document.removeEventListener('securitypolicyviolation', onViolation); frame.remove(); };",
    "    document.addEventListener('securitypolicyviolation', onViolation);",
    "    frame.onload = () => { cleanup(); done('allowed'); };",
    "    frame.src = src; document.body.appendChild(frame);",
    '  });',
    `  console.log('Jitsi iframe:', await probe(${JSON.stringify(`${new URL(inputs.jitsiOrigin).origin}/`)}), '(expected allowed)');`,
    "  console.log('Other iframe:', await probe('https://example.org/'), '(expected blocked)');",
    '})();',
  ];
  return [
    `# Content-Security-Policy for the ${stage} front ends that embed Jitsi (generated: npm run csp -- --stage ${stage}).`,
    '# Send the line below as a response header on the app pages. Why each directive: ops/csp.md.',
    `Content-Security-Policy: ${header}`,
    '',
    '# Verify a deployed front end sends it (prints the header; compare with the line above):',
    `#   curl -sI ${front}/ | grep -i '^content-security-policy:'`,
    '#',
    '# Verify in the browser: open the app, paste this into the developer console. It compares the',
    '# header the page was served with and checks that a Jitsi iframe loads and another is blocked.',
    ...verifyScript.map((line) => `#   ${line}`),
    '',
  ].join('\n');
}

export function stageInputs(context: StageContext): CspInputs {
  if (!context.apiUrl) throw new Error('the stage has no apiUrl in cdk.json (the API URL clients call)');
  return { jitsiOrigin: context.jitsiPublicUrl, apiOrigin: context.apiUrl, ...(context.liveChannelUrl && { liveChannelOrigin: context.liveChannelUrl }) };
}

function main(): number {
  const argv = process.argv.slice(2);
  const stageIndex = argv.indexOf('--stage');
  const stage = stageIndex >= 0 ? argv[stageIndex + 1] : undefined;
  const unknown = argv.filter((arg, index) => index !== stageIndex && index !== stageIndex + 1);
  if (!stage || unknown.length) {
    console.error(`csp: ${unknown.length ? `unknown argument ${unknown[0]}` : '--stage is required'}. usage: npm run csp -- --stage <dev|staging|prod>`);
    return 2;
  }
  const context = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context as { stages: unknown };
  let settings;
  try {
    settings = resolveStageSettings(stage, context.stages);
    const file = join(REPO_ROOT, 'ops', `jitsi-csp-${settings.stage}.txt`);
    writeFileSync(file, cspFile(settings.stage, stageInputs(settings.context), settings.context.allowedOrigins));
    console.log(`wrote ${file}`);
    return 0;
  } catch (error) {
    console.error(`csp: ${(error as Error).message}`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) process.exitCode = main();
