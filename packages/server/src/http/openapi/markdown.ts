/**
 * docs/http-api.md, rendered from the OpenAPI document (scripts/render-http-api.ts writes it; a test keeps the
 * file and the document in step): one table of every operation, then each operation's parameters and answers.
 */
type Json = Record<string, unknown>;

const METHOD_ORDER = ['get', 'head', 'post', 'put', 'delete'];

export function renderHttpApiMarkdown(doc: Json): string {
  const info = doc['info'] as Json;
  const paths = doc['paths'] as Record<string, Record<string, Json>>;
  const tags = (doc['tags'] as Json[]).map((t) => String(t['name']));
  const lines: string[] = [
    '# HTTP API',
    '',
    '<!-- Generated from the OpenAPI document (packages/server/src/http/openapi/document.ts) by',
    '     `node --import tsx scripts/render-http-api.ts`; a test fails when this file and the document differ. -->',
    '',
    String(info['description']),
    '',
    'The same description, machine-readable: `GET /wxmedia/openapi.json` on any wxmedia server (OpenAPI 3.1).',
    '',
  ];
  for (const tag of tags) {
    const ops = operations(paths).filter((o) => (o.op['tags'] as string[])[0] === tag);
    if (ops.length === 0) continue;
    const tagInfo = (doc['tags'] as Json[]).find((t) => t['name'] === tag)!;
    lines.push(`## ${tag}`, '', String(tagInfo['description']), '', '| method | path | what |', '|---|---|---|');
    for (const o of ops) lines.push(`| ${o.method.toUpperCase()} | \`${o.path}\` | ${cell(String(o.op['summary']))} |`);
    lines.push('');
    for (const o of ops) {
      lines.push(`### ${o.method.toUpperCase()} \`${o.path}\``, '', String(o.op['summary']) + '.');
      if (o.op['description']) lines.push('', String(o.op['description']));
      const auth = o.op['security'] === undefined ? 'admin key (`Authorization: Bearer …`)' : authOf(o.op['security'] as Json[]);
      lines.push('', `- Auth: ${auth}`);
      for (const p of (o.op['parameters'] as Json[] | undefined) ?? []) {
        lines.push(`- ${p['in']} \`${p['name']}\`${p['required'] ? '' : ' (optional)'}: ${p['description']}`);
      }
      const body = o.op['requestBody'] as Json | undefined;
      if (body) lines.push(`- Body: ${Object.entries(body['content'] as Json).map(([type, c]) => `\`${type}\` ${schemaName((c as Json)['schema'] as Json)}`).join(', ')}${body['required'] ? '' : ' (optional)'}`);
      for (const [status, r] of Object.entries(o.op['responses'] as Record<string, Json>)) {
        const content = r['content'] as Record<string, Json> | undefined;
        const types = content ? ` — ${Object.entries(content).map(([type, c]) => `\`${type}\`${c['schema'] ? ` ${schemaName(c['schema'] as Json)}` : ''}`).join(', ')}` : '';
        lines.push(`- ${status}: ${r['description']}${types}`);
      }
      lines.push('');
    }
  }
  lines.push('## Schemas', '', 'JSON Schema 2020-12, as in the OpenAPI document (`components.schemas`).', '');
  for (const [name, schema] of Object.entries((doc['components'] as Json)['schemas'] as Record<string, Json>)) {
    lines.push(`### ${name}`, '');
    if (schema['description']) lines.push(String(schema['description']), '');
    const props = schema['properties'] as Record<string, Json> | undefined;
    if (props) {
      const required = new Set((schema['required'] as string[] | undefined) ?? []);
      lines.push('| field | type | |', '|---|---|---|');
      for (const [field, p] of Object.entries(props)) lines.push(`| \`${field}\`${required.has(field) ? '' : ' (optional)'} | ${schemaName(p)} | ${cell(String(p['description'] ?? ''))} |`);
    } else {
      lines.push(schemaName(schema));
    }
    lines.push('');
  }
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}

function operations(paths: Record<string, Record<string, Json>>): { path: string; method: string; op: Json }[] {
  const out: { path: string; method: string; op: Json }[] = [];
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHOD_ORDER) if (item[method]) out.push({ path, method, op: item[method] });
  }
  return out;
}

function authOf(security: Json[]): string {
  if (security.length === 0) return 'none';
  return security.map((s) => (Object.keys(s).length === 0 ? 'none' : 'admin key')).join(' or ');
}

/** A short name for a schema: its $ref, its type, its enum or const. */
function schemaName(schema: Json): string {
  if (schema['$ref']) return `[${String(schema['$ref']).split('/').pop()}](#${String(schema['$ref']).split('/').pop()!.toLowerCase()})`;
  if (schema['oneOf']) return (schema['oneOf'] as Json[]).map(schemaName).join(' \\| ');
  if (schema['const'] !== undefined) return `\`${JSON.stringify(schema['const'])}\``;
  if (schema['enum']) return (schema['enum'] as unknown[]).map((v) => `\`${String(v)}\``).join(', ');
  if (schema['type'] === 'array') return schema['items'] ? `array of ${schemaName(schema['items'] as Json)}` : 'array';
  if (schema['type'] === 'object' && schema['additionalProperties']) return `map of ${schemaName(schema['additionalProperties'] as Json)}`;
  return String(schema['type'] ?? 'any') + (schema['format'] ? ` (${schema['format']})` : '');
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}
