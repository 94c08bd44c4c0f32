import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VARIABLES } from '../shared/config';
import { README_PATH, readmeWithTable, renderConfigTable, variableDocs } from './config-readme';

describe("README's configuration table", () => {
  it('is the one generated from shared/config.ts (run npm run readme:config when this fails)', () => {
    const readme = readFileSync(README_PATH, 'utf8');
    expect(readmeWithTable(readme)).toBe(readme);
  });

  it('has a row per declared variable, with its valid values, and marks secrets', () => {
    const table = renderConfigTable();
    for (const name of Object.keys(VARIABLES)) expect(table).toContain(`| \`${name}\` |`);
    expect(table).toMatch(/\| `JITSI_TOKEN_TTL_SECONDS` \| `60` \| cdk.json `jitsiTokenTtlSeconds` \| .*an integer from 10 to 3600 \|/);
    expect(table).toMatch(/\| `JITSI_JWT_SECRET` \| .* \| Secrets Manager \| .*\(secret\) \|/);
  });

  it('takes each meaning from the JSDoc comment, and refuses a variable without one', () => {
    expect(variableDocs().get('AWS_REGION')).toEqual({ doc: 'AWS region', localDefault: 'set by Lambda' });
    const docs = variableDocs();
    docs.delete('PORT');
    expect(() => renderConfigTable(docs)).toThrow('PORT in shared/config.ts needs a JSDoc comment saying what it means');
  });
});
