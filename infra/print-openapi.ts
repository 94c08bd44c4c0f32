import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { openApiDocument } from '../shared/openapi/document';

// `npm run openapi [-- --out file.json] [-- --server https://api.example.com]`: the document the
// running service serves at GET /api/openapi.json, built by the same function.

const USAGE = 'usage: npm run openapi -- [--out <file.json>] [--server <API URL>]';

function parseArgs(argv: readonly string[]): { out?: string; server?: string } {
  const options: { out?: string; server?: string } = {};
  for (let index = 0; index < argv.length; index += 1) {
    const name = argv[index];
    const value = argv[index + 1];
    if ((name === '--out' || name === '--server') && value && !value.startsWith('--')) {
      options[name === '--out' ? 'out' : 'server'] = value;
      index += 1;
    } else if (name === '--help' || name === '-h') {
      console.log(USAGE);
      process.exit(0);
    } else {
      const known = name === '--out' || name === '--server';
      console.error(`${name}: ${known ? 'needs a value' : 'unknown argument'}. ${USAGE}`);
      process.exit(2);
    }
  }
  return options;
}

const options = parseArgs(process.argv.slice(2));
if (options.server && !/^https?:\/\/[^\s/]+/.test(options.server)) {
  console.error(`--server must be an http(s) URL. ${USAGE}`);
  process.exit(2);
}
const text = `${JSON.stringify(openApiDocument(options.server), null, 2)}\n`;
if (options.out) {
  writeFileSync(resolve(options.out), text);
  console.error(`wrote ${options.out}`);
} else {
  // A closed pipe (`| head`) is the reader's choice, not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  process.stdout.write(text);
}
