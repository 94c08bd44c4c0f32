import { describe, expect, it } from 'vitest';
import { callerFromClaims } from '../../shared/http/auth';
import { flattenClaims, localAuthorizer, MAX_BEARER_BYTES } from './authorizer';
import { localIssuer } from './local-issuer';

const issuer = await localIssuer('https://issuer.test.example');
const authorize = localAuthorizer({ issuer: issuer.issuer, audience: issuer.audience, jwks: issuer.jwks });

describe('local JWT authorizer', () => {
  it('flattens claims as API Gateway does, and the function reads the flattened roles', () => {
    const flat = flattenClaims({ sub: 'ann', roles: ['instructor', 'admin'], exp: 1795255200, aud: ['a', 'b'], email_verified: true });
    expect(flat.claims).toEqual({ sub: 'ann', roles: '[instructor admin]', exp: '1795255200', aud: '[a b]', email_verified: 'true' });
    expect(flat.scopes).toBeNull();
    expect(callerFromClaims(flat.claims, 'roles')).toMatchObject({ userId: 'ann', isAdmin: true, roles: new Set(['instructor', 'admin']) });
    expect(flattenClaims({ sub: 'x', scope: 'calls:read calls:write' }).scopes).toEqual(['calls:read', 'calls:write']);
  });

  it('accepts the Bearer scheme in any case (RFC 7235)', async () => {
    const token = await issuer.sign({ sub: 'ann', roles: ['student'] });
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR']) {
      expect((await authorize(`${scheme} ${token}`))?.claims, scheme).toMatchObject({ sub: 'ann', roles: '[student]' });
    }
  });

  it('refuses a missing or other scheme, a wrong issuer, audience or key, an expired token and a bearer over 16 KiB', async () => {
    const token = await issuer.sign({ sub: 'ann' });
    const other = await localIssuer('https://other.example');
    const expired = await issuer.sign({ sub: 'ann' }, { ttlSeconds: 60, nowSeconds: Math.floor(Date.now() / 1000) - 3600 });
    const refused = [undefined, '', token, `Basic ${token}`, `Bearer ${await other.sign({ sub: 'ann' })}`, `Bearer ${expired}`];
    for (const header of refused) expect(await authorize(header), String(header).slice(0, 20)).toBeUndefined();
    const padded = `Bearer ${token}${'A'.repeat(MAX_BEARER_BYTES)}`;
    expect(await authorize(padded)).toBeUndefined();
    const wrongAudience = localAuthorizer({ issuer: issuer.issuer, audience: 'someone-else', jwks: issuer.jwks });
    expect(await wrongAudience(`Bearer ${token}`)).toBeUndefined();
  });
});

describe('sample events', () => {
  it('carry the claims exactly as the authorizer flattens a token payload', async () => {
    const { sampleEvent } = await import('../../test/support/events');
    const sample = sampleEvent('apigw-v2/calls-start.valid.json');
    const payload = {
      sub: 'alice',
      name: 'Alice',
      email: 'alice@example.com',
      roles: ['instructor', 'admin'],
      iss: 'https://idp.example.com/',
      aud: 'calls-api',
      exp: 1795255200,
      iat: 1795251600,
    };
    expect(sample.requestContext.authorizer.jwt.claims).toEqual(flattenClaims(payload).claims);
  });
});
