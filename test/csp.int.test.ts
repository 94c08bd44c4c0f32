import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from './support/chromium';
import { resolveStageSettings, STAGES } from '../infra/constructs/stage-config';
import { cspFile, cspHeaderValue, parseCsp, stageInputs } from '../ops/csp';

// The CSP file per stage (npm run csp) parsed back, and the policy enforced by a real browser:
// Debian's chromium, driven by playwright-core, loads a page served with it.

const ROOT = join(import.meta.dirname, '..');
const cdkStages = JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context.stages;

const headerLine = (file: string) => {
  const line = file.split('\n').find((entry) => entry.startsWith('Content-Security-Policy: '));
  if (!line) throw new Error('no Content-Security-Policy line');
  return line.slice('Content-Security-Policy: '.length);
};

describe('the CSP file per stage', () => {
  it.each(STAGES)('%s: ops/jitsi-csp-%s.txt is what npm run csp generates from cdk.json', (stage) => {
    const settings = resolveStageSettings(stage, cdkStages);
    const committed = readFileSync(join(ROOT, 'ops', `jitsi-csp-${stage}.txt`), 'utf8');
    expect(committed).toBe(cspFile(stage, stageInputs(settings.context), settings.context.allowedOrigins));
  });

  it.each(STAGES)(
    '%s: frames and scripts only from Jitsi, connects to the API and its live channel, nothing inline but styles',
    (stage) => {
      const { context } = resolveStageSettings(stage, cdkStages);
      const directives = parseCsp(headerLine(readFileSync(join(ROOT, 'ops', `jitsi-csp-${stage}.txt`), 'utf8')));
      const jitsi = new URL(context.jitsiPublicUrl).origin;
      const api = new URL(context.apiUrl as string);
      expect(directives.get('frame-src')).toEqual([jitsi]);
      expect(directives.get('script-src')).toEqual(["'self'", jitsi]);
      expect(directives.get('connect-src')).toEqual(["'self'", api.origin, `wss://${api.host}`]);
      expect(directives.get('object-src')).toEqual(["'none'"]);
      expect(directives.get('default-src')).toEqual(["'self'"]);
      expect(directives.get('frame-ancestors')).toEqual(["'self'"]);
      for (const sources of directives.values()) {
        expect(sources).not.toContain("'unsafe-eval'");
        expect(sources).not.toContain('*');
      }
      expect(directives.get('script-src')).not.toContain("'unsafe-inline'");
    },
  );

  it('carries the curl command for the stage front end and a console script with the same header', () => {
    const file = readFileSync(join(ROOT, 'ops', 'jitsi-csp-staging.txt'), 'utf8');
    expect(file).toContain("curl -sI https://erp-staging.internal.example/ | grep -i '^content-security-policy:'");
    expect(file).toContain(`const expected = ${JSON.stringify(headerLine(file))};`);
  });
});

describe('a browser enforcing the generated policy', () => {
  let browser: Browser;
  const servers: http.Server[] = [];
  const serve = async (handler: http.RequestListener) => {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it('loads an iframe from the Jitsi origin, blocks one from another origin, and the console script agrees', async () => {
    const jitsi = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p id="m">jitsi meeting</p>'));
    const other = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<p id="m">elsewhere</p>'));
    let file = '';
    const app = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html', 'content-security-policy': headerLine(file) });
      res.end(
        `<!doctype html><html><body><script src="/app.js"></script>` +
          `<iframe id="jitsi" src="${jitsi}/room"></iframe><iframe id="other" src="${other}/page"></iframe></body></html>`,
      );
    });
    file = cspFile('test', { jitsiOrigin: jitsi, apiOrigin: app }, [app]);
    expect(headerLine(file)).toBe(cspHeaderValue({ jitsiOrigin: jitsi, apiOrigin: app }));

    const page = await browser.newPage();
    const violations: string[] = [];
    await page.exposeFunction('reportViolation', (uri: string) => violations.push(uri));
    // A string: it runs in the page, where the DOM types of this Node project do not apply.
    await page.addInitScript("document.addEventListener('securitypolicyviolation', (event) => window.reportViolation(event.blockedURI));");
    await page.goto(`${app}/`);
    const frameText = async (url: string) => {
      const frame = page.frames().find((candidate) => candidate.url().startsWith(url));
      return frame
        ? frame
            .locator('#m')
            .textContent({ timeout: 2000 })
            .catch(() => null)
        : null;
    };
    await expect.poll(() => frameText(jitsi)).toBe('jitsi meeting');
    await expect.poll(() => violations.some((uri) => uri.startsWith(other))).toBe(true);
    expect(await frameText(other)).toBeNull();
    expect(violations.some((uri) => uri.startsWith(jitsi))).toBe(false);

    // The verify script from the file, pasted into the console as the runbook says.
    const script = file
      .split('\n')
      .filter((line) => line.startsWith('#   ') && !line.includes('curl -sI'))
      .map((line) => line.slice(4))
      .join('\n');
    const logged: string[] = [];
    page.on('console', (message) => logged.push(message.text()));
    await page.evaluate(script);
    await expect.poll(() => logged.join('\n')).toContain('Other iframe: blocked');
    expect(logged.join('\n')).toContain('CSP: as expected');
    expect(logged.join('\n')).toContain('Jitsi iframe: allowed');
    await page.close();
  });
});
