/// <reference lib="dom" />
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { launchChromium } from './support/chromium';
import { startInProcessServer } from './support/local-server';
import { REPO_ROOT } from '../infra/build';
import type { LocalServer } from '../infra/local/server';

// docs/live-example.html in headless Chromium against the local server: sign in, get rung, join.

let server: LocalServer;
let browser: Browser;
let stopServer: (() => Promise<void>) | undefined;

beforeAll(async () => {
  ({ server, stop: stopServer } = await startInProcessServer('live-example'));
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await stopServer?.();
});

async function asAlice(method: string, path: string, body?: unknown) {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${await server.issuer.sign({ sub: 'alice' })}`, 'content-type': 'application/json' },
    ...(method === 'GET' ? {} : { body: JSON.stringify(body ?? {}) }),
  });
  return { status: response.status, body: await response.json() };
}

describe('browser example of the live channel', () => {
  it('signs in, shows the incoming call and joins it', async () => {
    const thread = await asAlice('POST', '/api/threads', { title: 'Example', member_ids: ['bob'] });
    const page = await browser.newPage();
    const url = `${pathToFileURL(join(REPO_ROOT, 'docs/live-example.html')).href}?api=${encodeURIComponent(server.url)}`;
    await page.goto(url);
    await page.fill('#user', 'bob');
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Connected as bob');
    expect(server.liveChannel.connectionCount('bob')).toBe(1);

    const started = await asAlice('POST', '/api/calls/start', { thread_id: thread.body.thread_id, call_type: 'video' });
    expect(started.status).toBe(201);
    const callId = started.body.call_id as string;
    const sent = await server.liveChannel.publish({
      id: randomUUID(),
      type: 'CallStarted',
      occurred_at: new Date().toISOString(),
      data: { call_id: callId, thread_id: thread.body.thread_id, invited_user_ids: ['bob'] },
    });
    expect(sent).toMatchObject({ sent: 1, users: expect.arrayContaining(['bob', 'alice']) });
    await page.waitForSelector('#incoming:not([hidden])');
    expect(await page.textContent('#incoming-text')).toBe(`Incoming call ${callId}`);

    await page.click('#join');
    await page.waitForFunction(() => document.getElementById('joined')?.textContent?.startsWith('Joined room'));
    expect(await page.textContent('#joined')).toBe(`Joined room ${started.body.room}`);
    await vi.waitFor(async () =>
      expect((await asAlice('GET', `/api/calls/${callId}/log`)).body.participants.map((p: { user_id: string }) => p.user_id)).toContain(
        'bob',
      ),
    );
    await page.close();
    await vi.waitFor(() => expect(server.liveChannel.connectionCount('bob')).toBe(0));
  });
});
