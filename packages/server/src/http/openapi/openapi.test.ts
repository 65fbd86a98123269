/**
 * The OpenAPI document is valid OpenAPI 3.1 (by @seriousme/openapi-schema-validator), describes every route the
 * server registers and nothing it does not, and the replies the server really sends match its schemas (Ajv, JSON
 * Schema 2020-12, the dialect of OpenAPI 3.1).
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, it } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ALL_METHODS } from '../routes/wechat-route.ts';
import { routesOf } from '../app.ts';
import { OPENAPI_DOCUMENT, openapiPath } from './document.ts';
import { renderHttpApiMarkdown } from './markdown.ts';
import { mp4, png } from '../../../../../test/helpers/images.ts';
import { APP, OFFICIAL, startServer } from '../../../../../test/helpers/server.ts';

const PNG_1X1 = png();

const doc = OPENAPI_DOCUMENT as unknown as { paths: Record<string, Record<string, unknown>>; components: { schemas: Record<string, object> } };
const METHODS = ['get', 'head', 'post', 'put', 'delete', 'patch', 'options'];

describe('OpenAPI document', () => {
  it('is valid OpenAPI 3.1', async () => {
    const result = await new Validator().validate(structuredClone(OPENAPI_DOCUMENT) as unknown as Record<string, unknown>);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
  });

  it('carries the version of the package that serves it', async () => {
    const pkg = JSON.parse(await readFile(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
    assert.equal(OPENAPI_DOCUMENT.info.version, pkg.version);
  });

  it('describes every route and only routes that exist', async () => {
    const f = await startServer();
    try {
      const routes = routesOf(f.server.app);
      assert.ok(routes.length > 20);
      const byPath = new Map<string, Set<string>>();
      for (const r of routes) {
        // The dashboard's static files are one wildcard route; the document names its parameter.
        const path = openapiPath(r.url.replace(/\*$/, '{asset}'));
        const set = byPath.get(path) ?? new Set<string>();
        set.add(r.method.toLowerCase());
        byPath.set(path, set);
      }
      for (const [path, methods] of byPath) {
        const described = doc.paths[path];
        assert.ok(described, `route ${path} is not in the document`);
        const documented = METHODS.filter((m) => m in described);
        // WeChat's endpoints take every method (a wrong one gets 43001/43002): the document lists the real ones.
        const catchAll = methods.size === ALL_METHODS.length;
        for (const m of documented) assert.ok(methods.has(m), `${m.toUpperCase()} ${path} is documented but not served`);
        if (!catchAll) assert.deepEqual(documented.sort(), [...methods].sort(), `methods of ${path}`);
      }
      for (const path of Object.keys(doc.paths)) assert.ok(byPath.has(path), `documented ${path} is not served`);
    } finally {
      await f.stop();
    }
  });

  it("the server's real replies match the schemas", async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    ajv.addSchema({ $id: 'wxmedia', components: doc.components });
    const check = (name: string, value: unknown) => {
      const validate = ajv.getSchema(`wxmedia#/components/schemas/${name}`);
      assert.ok(validate, name);
      assert.ok(validate(value), `${name}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(value)}`);
    };
    const adminReply = (name: string, key: string, body: Record<string, unknown>) => {
      assert.equal(body['errcode'], 0, JSON.stringify(body));
      check(name, body[key]);
    };

    const f = await startServer();
    try {
      const auth = { authorization: `Bearer ${f.server.adminKey}` };
      const get = async (url: string) => (await f.server.app.inject({ url, headers: auth })).json<Record<string, unknown>>();
      const post = async (url: string, body: object) => (await f.server.app.inject({ method: 'POST', url, headers: auth, payload: JSON.stringify(body) })).json<Record<string, unknown>>();

      check('AccessTokenReply', (await f.server.app.inject({ url: `/cgi-bin/token?grant_type=client_credential&appid=${APP.appid}&secret=${APP.secret}` })).json());
      const token = await f.token();
      const uploaded = await f.upload(token, PNG_1X1);
      check('UploadReply', uploaded);
      const failed = (await f.server.app.inject({ url: `/cgi-bin/media/get?access_token=${token}&media_id=nope` })).json();
      check('ErrorEnvelope', failed);
      check('QuotaGetReply', (await f.server.app.inject({ method: 'POST', url: `/cgi-bin/openapi/quota/get?access_token=${token}`, payload: '{"cgi_path":"/cgi-bin/media/get"}' })).json());
      const officialToken = await f.token(OFFICIAL);
      const video = await f.upload(officialToken, mp4(), { filename: 'v.mp4', type: 'video' });
      check('VideoUrlReply', (await f.server.app.inject({ url: `/cgi-bin/media/get?access_token=${officialToken}&media_id=${String(video['media_id'])}` })).json());

      adminReply('Overview', 'overview', await get('/wxmedia/admin/overview'));
      adminReply('ClockState', 'clock', await get('/wxmedia/admin/clock'));
      adminReply('Fault', 'fault', await post('/wxmedia/admin/faults', { api: '/cgi-bin/media/get', errcode: 45009, count: 3, latencyMs: 1 }));
      const faults = await get('/wxmedia/admin/faults');
      for (const fault of faults['faults'] as unknown[]) check('Fault', fault);
      for (const call of (await get('/wxmedia/admin/calls'))['calls'] as unknown[]) check('CallRecord', call);
      for (const m of (await get('/wxmedia/admin/media'))['media'] as unknown[]) check('MediaEntry', m);
      for (const a of (await get('/wxmedia/admin/apps'))['apps'] as unknown[]) check('AppSummary', a);
      adminReply('AppDetail', 'app', await get(`/wxmedia/admin/apps/${APP.appid}`));
      adminReply('ResetResult', 'reset', await post('/wxmedia/admin/reset', {}));
      check('AdminError', (await f.server.app.inject({ url: '/wxmedia/admin/overview' })).json());
    } finally {
      await f.stop();
    }
  });

  it('docs/http-api.md is its rendering (node --import tsx scripts/render-http-api.ts rewrites it)', async () => {
    const file = await readFile(new URL('../../../../../docs/http-api.md', import.meta.url), 'utf8');
    assert.equal(file, renderHttpApiMarkdown(JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)) as Record<string, unknown>));
  });

  it('is served at /wxmedia/openapi.json without the admin key', async () => {
    const f = await startServer();
    try {
      const r = await f.server.app.inject({ url: '/wxmedia/openapi.json' });
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json(), JSON.parse(JSON.stringify(OPENAPI_DOCUMENT)));
    } finally {
      await f.stop();
    }
  });
});
