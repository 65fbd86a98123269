/** Writes docs/http-api.md from the OpenAPI document:  node --import tsx scripts/render-http-api.ts */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OPENAPI_DOCUMENT } from '../packages/server/src/http/openapi/document.ts';
import { renderHttpApiMarkdown } from '../packages/server/src/http/openapi/markdown.ts';
import { REPO_ROOT } from '../test/helpers/server.ts';

await writeFile(join(REPO_ROOT, 'docs', 'http-api.md'), renderHttpApiMarkdown(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)) as Record<string, unknown>));
process.stdout.write('docs/http-api.md written\n');
