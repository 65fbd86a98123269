/**
 * Two `wxmedia serve` processes on one data directory (the embedded stores are multi-process safe) are one service
 * for the emulator controls too: one clock, one fault list, each change in force on both for the next request.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClockState, Fault } from '@wxmedia/protocol';
import { startCli, tempDir, type CliServer } from '../helpers/server.ts';

describe('emulator controls shared by instances on one state store', () => {
  let dir: { path: string; cleanup(): Promise<void> };
  let a: CliServer;
  let b: CliServer;
  let key: string;
  before(async () => {
    dir = await tempDir('wxmedia-shared-');
    a = await startCli({ dataDir: dir.path, args: ['--time-travel'] });
    b = await startCli({ dataDir: dir.path, args: ['--time-travel'] });
    key = (await readFile(join(dir.path, 'admin.key'), 'utf8')).trim();
  });
  after(async () => {
    await a?.stop();
    await b?.stop();
    await dir?.cleanup();
  });

  const admin = async (s: CliServer, method: string, path: string, body?: object) => {
    const r = await fetch(`${s.url}${path}`, { method, headers: { authorization: `Bearer ${key}` }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return (await r.json()) as Record<string, unknown>;
  };
  const errcodeOfGet = async (s: CliServer, token: string) =>
    ((await (await fetch(`${s.url}/cgi-bin/media/get?access_token=${token}&media_id=x`)).json()) as { errcode: number }).errcode;

  it('one clock: moved through one instance, read and obeyed by the other at once', async () => {
    const token = await b.token();
    assert.equal(await errcodeOfGet(b, token), 40007);
    await admin(a, 'POST', '/wxmedia/admin/clock', { advance: 7200 });
    const onB = (await admin(b, 'GET', '/wxmedia/admin/clock'))['clock'] as ClockState;
    assert.ok(Math.abs(onB.offsetSeconds - 7200) <= 1, JSON.stringify(onB));
    assert.equal(await errcodeOfGet(b, token), 42001, 'the token B issued expired on B');
    await admin(b, 'POST', '/wxmedia/admin/clock', { advance: 100 });
    const onA = (await admin(a, 'GET', '/wxmedia/admin/clock'))['clock'] as ClockState;
    assert.ok(Math.abs(onA.offsetSeconds - 7300) <= 1, 'advances from both add up');
  });

  it('one fault list: a count of 2 fires twice in all, whichever instance takes the calls', async () => {
    const token = await a.token();
    const added = (await admin(b, 'POST', '/wxmedia/admin/faults', { api: '/cgi-bin/media/get', errcode: -1, count: 2 }))['fault'] as Fault;
    const answers = [];
    for (const s of [a, b, a, b]) answers.push(await errcodeOfGet(s, token));
    assert.deepEqual(answers, [-1, -1, 40007, 40007]);
    assert.deepEqual((await admin(a, 'GET', '/wxmedia/admin/faults'))['faults'], []);
    assert.ok(added.id);
  });

  it('the moved clock survives a restart of every instance', async () => {
    await a.stop();
    await b.stop();
    a = await startCli({ dataDir: dir.path, args: ['--time-travel'] });
    const clock = (await admin(a, 'GET', '/wxmedia/admin/clock'))['clock'] as ClockState;
    assert.ok(Math.abs(clock.offsetSeconds - 7300) <= 2, JSON.stringify(clock));
    b = await startCli({ dataDir: dir.path, args: ['--time-travel'] });
  });
});
