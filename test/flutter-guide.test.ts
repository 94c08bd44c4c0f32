import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ERROR_STATUS } from '../shared/errors';
import { openApiDocument } from '../shared/openapi/document';

// docs/flutter.md's Dart must use the API's own names: every JSON field it reads or sends and
// every route it calls is looked up in the OpenAPI document the service serves.
const guide = readFileSync(new URL('../docs/flutter.md', import.meta.url), 'utf8');
const document = openApiDocument() as { paths: Record<string, unknown>; components?: unknown };

/**
 * In the contract (shared/API.md: ringing, events, the live channel) but not described by the
 * OpenAPI document, which covers the HTTP routes only: the event envelope and its data, and the
 * ringing routes. Kept to names the contract spells out.
 */
const CONTRACT_ONLY_FIELDS = new Set(['id', 'type', 'occurred_at', 'data', 'invited_user_ids', 'ring_expires_at', 'state']);
const CONTRACT_ONLY_PATHS = new Set(['/api/calls/incoming', '/api/calls/{}/decline', '/api/live']);
const CONTRACT_ONLY_CODES = new Set(['not_ringing', 'unsupported_media_type']);

function dartBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/```dart\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** JSON names in Dart: `x['name']` reads and `'name': value` map entries (request bodies). */
function dartFieldNames(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/\[\s*'([^'$]+)'\s*\]/g)) names.add(m[1]!);
  for (const m of code.matchAll(/[{,]\s*'([^'$]+)'\s*:/g)) names.add(m[1]!);
  return names;
}

/** Route templates in Dart strings, with `$id` and `${...}` as `{}`. */
function dartPaths(code: string): Set<string> {
  const paths = new Set<string>();
  for (const m of code.matchAll(/'(\/api\/[^'?]*)'/g)) paths.add(m[1]!.replace(/\$\{[^}]+\}|\$[A-Za-z_]\w*/g, '{}'));
  return paths;
}

function documentNames(node: unknown, names = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => documentNames(n, names));
  else if (node && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.properties && typeof record.properties === 'object') Object.keys(record.properties).forEach((k) => names.add(k));
    Object.values(record).forEach((v) => documentNames(v, names));
  }
  return names;
}

const documentFields = documentNames(document);
const documentPaths = new Set(Object.keys(document.paths).map((p) => p.replace(/\{[^}]+\}/g, '{}')));
const documentCodes = (() => {
  const schemas = (document.components as { schemas?: Record<string, any> } | undefined)?.schemas ?? {};
  const codes = Object.values(schemas).flatMap((schema) => (schema?.properties?.error?.enum as string[] | undefined) ?? []);
  return new Set(codes);
})();

const unknownFields = (code: string) => [...dartFieldNames(code)].filter((n) => !documentFields.has(n) && !CONTRACT_ONLY_FIELDS.has(n));
const unknownPaths = (code: string) => [...dartPaths(code)].filter((p) => !documentPaths.has(p) && !CONTRACT_ONLY_PATHS.has(p));

describe('docs/flutter.md against the OpenAPI document', () => {
  const code = dartBlocks(guide).join('\n');

  it('has Dart examples that read the join info and the token refresh', () => {
    expect(dartBlocks(guide).length).toBeGreaterThanOrEqual(4);
    const names = dartFieldNames(code);
    for (const name of ['token_expires_at', 'jitsi_server_url', 'feature_flags', 'thread_id', 'call_type', 'call_id', 'error']) {
      expect(names, name).toContain(name);
    }
  });

  it('uses only JSON field names the API has', () => {
    expect(unknownFields(code)).toEqual([]);
  });

  it('calls only routes the API has', () => {
    const paths = dartPaths(code);
    expect(paths).toContain('/api/calls/{}/token');
    expect(paths).toContain('/api/live-classes/{}/token');
    expect(unknownPaths(code)).toEqual([]);
  });

  it('would catch a misspelt field or route', () => {
    const wrong = `final t = json['token_expiry']; await post('/api/calls/$id/refresh', {'thread': id});`;
    expect(unknownFields(wrong).sort()).toEqual(['thread', 'token_expiry']);
    expect(unknownPaths(wrong)).toEqual(['/api/calls/{}/refresh']);
  });

  it("lists exactly the contract's error codes, each with what the app does", () => {
    const section = guide.split('## Error codes')[1]?.split('\n## ')[0] ?? '';
    const table = [...section.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (.+) \|$/gm)];
    const listed = table.map((row) => row[1]!);
    expect(new Set(listed).size).toBe(listed.length);
    expect(documentCodes.size).toBeGreaterThan(10);
    // Every code the service can send is handled...
    expect([...documentCodes].filter((c) => !listed.includes(c))).toEqual([]);
    // ...and nothing else, bar the contract's codes the document does not list yet.
    expect(listed.filter((c) => !documentCodes.has(c) && !CONTRACT_ONLY_CODES.has(c))).toEqual([]);
    for (const row of table) expect(row[3]!.trim().length, row[1]).toBeGreaterThan(10);
    // The Dart switch names the same codes (event types are the CamelCase cases).
    const cases = [...code.matchAll(/case '([a-z_]+)':/g)].map((m) => m[1]!);
    expect(new Set(cases)).toEqual(new Set(listed));
    // With the status the service answers each code with.
    const statuses: Record<string, number> = ERROR_STATUS;
    for (const [, listedCode, status] of table) {
      if (statuses[listedCode!] !== undefined) expect(Number(status), listedCode).toBe(statuses[listedCode!]);
    }
  });
});
