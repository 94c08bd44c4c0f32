import { build } from 'esbuild';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../infra/build';
import { routes } from '../infra/routes';

// Deployed, API Gateway's JWT authorizer verifies the bearer: no function behind it may carry
// JWT/JWKS verification code. Bundled as `npm run build` bundles them, read from esbuild's metafile.

const VERIFICATION = /node_modules\/jose\/dist\/[^/]+\/(jwt\/verify|jwks\/|jws\/(compact|flattened|general)\/verify)/;

describe('function bundles', () => {
  it('hold no JWT or JWKS verification code behind the JWT authorizer', async () => {
    const behindAuthorizer = routes.filter((route) => route.auth === 'user');
    const { metafile } = await build({
      absWorkingDir: REPO_ROOT,
      entryPoints: Object.fromEntries(behindAuthorizer.map((route) => [route.id, join(REPO_ROOT, route.entry)])),
      outdir: join(REPO_ROOT, 'dist-metafile-check'),
      write: false,
      metafile: true,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      mainFields: ['module', 'main'],
      alias: { '@aws-sdk/credential-provider-node': join(REPO_ROOT, 'shared/aws/lambda-credentials.ts') },
      logLevel: 'silent',
    });
    const outputs = Object.values(metafile.outputs).filter((output) => output.entryPoint);
    expect(outputs).toHaveLength(behindAuthorizer.length);
    for (const output of outputs) {
      const inputs = Object.keys(output.inputs);
      // The function did read the authorizer's claims, and nothing verified a token itself.
      expect(inputs, output.entryPoint).toContain('shared/http/auth.ts');
      expect(
        inputs.filter((input) => VERIFICATION.test(input) || input.includes('infra/local/')),
        output.entryPoint,
      ).toEqual([]);
      // A function carries its own contract group, not the route table or every operation.
      expect(inputs, output.entryPoint).not.toContain('infra/routes.ts');
      expect(inputs, output.entryPoint).not.toContain('shared/http/operations/index.ts');
    }
    // The pattern does match jose's verifier where it is used on purpose (the probe's JWT canary).
    const canary = await build({
      absWorkingDir: REPO_ROOT,
      entryPoints: [join(REPO_ROOT, 'functions/probes/jitsi.ts')],
      write: false,
      metafile: true,
      bundle: true,
      platform: 'node',
      format: 'esm',
      mainFields: ['module', 'main'],
      alias: { '@aws-sdk/credential-provider-node': join(REPO_ROOT, 'shared/aws/lambda-credentials.ts') },
      outfile: join(REPO_ROOT, 'dist-metafile-check', 'canary.mjs'),
      logLevel: 'silent',
    });
    expect(Object.keys(canary.metafile.inputs).some((input) => VERIFICATION.test(input))).toBe(true);
  });
});
