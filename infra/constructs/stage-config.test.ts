import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolveStageSettings } from './stage-config';

const stages = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')).context.stages as Record<
  string,
  Record<string, unknown>
>;
const withDev = (changes: Record<string, unknown>) => ({ ...stages, dev: { ...stages.dev, ...changes } });

describe('stage context', () => {
  it('checks function variables by the same rules as the cold start, naming key, variable and valid values', () => {
    expect(() => resolveStageSettings('dev', withDev({ jitsiTokenTtlSeconds: 7200 }))).toThrow(
      'stages.dev.jitsiTokenTtlSeconds must be an integer from 10 to 3600; got 7200 (JITSI_TOKEN_TTL_SECONDS)',
    );
    expect(() => resolveStageSettings('dev', withDev({ jitsiTokenTtlSeconds: 'abc' }))).toThrow(
      'stages.dev.jitsiTokenTtlSeconds must be an integer from 10 to 3600; got "abc" (JITSI_TOKEN_TTL_SECONDS)',
    );
    expect(() => resolveStageSettings('dev', withDev({ webhookUrls: ['http://erp.example/hook'] }))).toThrow(
      /stages\.dev\.webhookUrls entry 1 must be https/,
    );
  });

  it('requires the variables whose local default only works on a developer machine', () => {
    const { jitsiDomain: _dropped, ...dev } = stages.dev!;
    expect(() => resolveStageSettings('dev', { ...stages, dev })).toThrow(
      /stages\.dev\.jitsiDomain is required \(JITSI_DOMAIN: must be a host name/,
    );
  });

  it('refuses unknown keys and probe periods that are not whole minutes', () => {
    expect(() => resolveStageSettings('dev', withDev({ jitsiDomian: 'x' }))).toThrow(/stages\.dev\.jitsiDomian is not a known setting/);
    expect(() => resolveStageSettings('dev', withDev({ probeIntervalSeconds: 90 }))).toThrow(
      /probeIntervalSeconds must be a whole number of minutes/,
    );
  });

  it('fills declared defaults for what a stage leaves out', () => {
    const { context } = resolveStageSettings('dev', stages);
    expect(context).toMatchObject({
      jitsiTokenTtlSeconds: 60,
      ringTimeoutSeconds: 45,
      recordingUriSchemes: ['s3', 'https'],
      webhookUrls: [],
    });
    expect(context.jvbStatsUrl).toBeUndefined();
  });
});

describe('source maps at run time', () => {
  it('are off unless the stage asks', () => {
    expect(resolveStageSettings('prod', stages).context.sourceMaps).toBe(false);
    expect(resolveStageSettings('dev', withDev({ sourceMaps: true })).context.sourceMaps).toBe(true);
  });
});

describe('what a stage puts in the function environment', () => {
  it('is what the stage sets, not the defaults: TURNS_PORT unset keeps the TLS check off', () => {
    const { turnsPort: _unset, ...dev } = stages.dev!;
    const settings = resolveStageSettings('dev', { ...stages, dev });
    expect(settings.context.turnsPort).toBe(5349);
    expect(settings.variables).not.toHaveProperty('turnsPort');
    expect(settings.variables).toMatchObject({ jitsiDomain: stages.dev!.jitsiDomain, callsEnabled: true });
    expect(resolveStageSettings('dev', stages).variables).toMatchObject({ turnsPort: 5349 });
    expect(resolveStageSettings('dev', stages, { callsEnabled: 'false' }).variables).toMatchObject({ callsEnabled: false });
  });
});
