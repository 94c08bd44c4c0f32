import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Renders prosody.cfg.lua.template: every {{NAME}} must get a value, and no value may break
// out of its Lua string (the secrets are random, but a quote or backslash would end the string).

export const TEMPLATE_PATH = join(dirname(fileURLToPath(import.meta.url)), 'prosody.cfg.lua.template');

export interface ProsodyConfigValues {
  JITSI_DOMAIN: string;
  JITSI_APP_ID: string;
  JITSI_APP_SECRET: string;
  JITSI_JWT_AUDIENCE: string;
  /** The stage's API base URL, without a trailing slash. */
  API_URL: string;
  JITSI_EVENTS_SECRET: string;
  /** Directories holding Jitsi's and jitsi-contrib's modules. */
  PLUGIN_PATHS: string[];
}

const SAFE = /^[^"\\\n\r]*$/;

export function renderProsodyConfig(values: ProsodyConfigValues, template = readFileSync(TEMPLATE_PATH, 'utf8')): string {
  const strings: Record<string, string> = {};
  for (const [name, value] of Object.entries(values)) {
    const list = Array.isArray(value) ? value : [value];
    for (const item of list) if (!SAFE.test(item)) throw new Error(`${name} must not contain quotes, backslashes or line breaks`);
    if (name === 'API_URL' && String(value).endsWith('/')) throw new Error('API_URL must not end with a slash');
    strings[name] = Array.isArray(value) ? value.map((item) => `"${item}"`).join('; ') : value;
  }
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (_, name: string) => {
    const value = strings[name];
    if (value === undefined) throw new Error(`no value for {{${name}}}`);
    return value;
  });
}
