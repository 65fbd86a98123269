import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallRecord } from '@wxmedia/protocol';
import { CallLog } from './call-log.ts';
import { answerPeerQuestion, ServerCalls, type CallPeers, type PeerCallAnswers, type PeerCallQuestion } from './call-peers.ts';

/** Peers in this process: each a real CallLog, asked through answerPeerQuestion as a worker answers its primary. */
function peersOf(logs: readonly CallLog[]): CallPeers {
  return {
    async ask<Q extends PeerCallQuestion>(question: Q): Promise<PeerCallAnswers[Q['op']][]> {
      // Through JSON, as over IPC: what a peer answers must survive the trip.
      return logs.map((log) => JSON.parse(JSON.stringify(answerPeerQuestion(log, question))) as PeerCallAnswers[Q['op']]);
    },
    subscribe(listener) {
      const stops = logs.map((log) => log.subscribe(listener));
      return () => stops.forEach((stop) => stop());
    },
  };
}

const MINUTE = 60_000;
const NOW = Date.UTC(2026, 10, 22, 4, 30, 0);

function call(rid: string, at: number, extra: Partial<CallRecord> = {}): CallRecord {
  return { rid, at, method: 'GET', channel: 'https', api: '/cgi-bin/media/get', appid: 'wxa', status: 200, errcode: 0, ms: 1, query: {}, headers: {}, ...extra };
}

describe('ServerCalls: the calls of processes that serve as one', () => {
  it('lists every process\'s calls newest first, finds any by rid, and sums the stats', async () => {
    const own = new CallLog(10);
    const peer = new CallLog(10);
    const calls = new ServerCalls(own, peersOf([peer]));
    own.record(call('00000001-0000-0000', NOW - 3000));
    peer.record(call('00000002-0000-0000', NOW - 2000, { errcode: 40007, appid: 'wxb' }));
    own.record(call('00000003-0000-0000', NOW - 1000, { api: '/cgi-bin/media/upload' }));
    peer.record(call('00000004-0000-0000', NOW, { errcode: 40007 }));

    assert.deepEqual((await calls.recent()).map((c) => c.rid), ['00000004-0000-0000', '00000003-0000-0000', '00000002-0000-0000', '00000001-0000-0000']);
    assert.deepEqual((await calls.recent({ limit: 2 })).map((c) => c.rid), ['00000004-0000-0000', '00000003-0000-0000']);
    assert.deepEqual((await calls.recent({ failed: true, appid: 'wxa' })).map((c) => c.rid), ['00000004-0000-0000']);
    assert.equal((await calls.byRid('00000002-0000-0000'))?.appid, 'wxb', "a peer's call");
    assert.equal((await calls.byRid('00000003-0000-0000'))?.api, '/cgi-bin/media/upload', 'its own');
    assert.equal(await calls.byRid('00000009-0000-0000'), undefined);

    const stats = await calls.stats();
    assert.deepEqual(stats.errorsByErrcode, { 40007: 2 });
    const thisMinute = stats.perMinute.at(-1)!;
    assert.equal(thisMinute.minute, Math.floor(Date.now() / MINUTE) * MINUTE);
  });

  it('streams the peers\' new calls with its own, and a clear reaches the peers', async () => {
    const own = new CallLog(10);
    const peer = new CallLog(10);
    const calls = new ServerCalls(own, peersOf([peer]));
    const seen: string[] = [];
    const stop = calls.subscribe((c) => seen.push(c.rid));
    own.record(call('00000001-0000-0000', NOW));
    peer.record(call('00000002-0000-0000', NOW, { appid: 'wxb' }));
    stop();
    peer.record(call('00000003-0000-0000', NOW + 1000));
    assert.deepEqual(seen, ['00000001-0000-0000', '00000002-0000-0000'], 'nothing after stop');

    await calls.clear('wxb');
    assert.deepEqual((await calls.recent()).map((c) => c.rid), ['00000003-0000-0000', '00000001-0000-0000']);
    await calls.clear();
    assert.deepEqual(await calls.recent(), []);
    assert.deepEqual(peer.recent(), [], "the peer's own record is cleared");
  });

  it('without peers it is the process\'s own record', async () => {
    const own = new CallLog(5);
    const calls = new ServerCalls(own, undefined);
    calls.record(call('00000001-0000-0000', NOW));
    assert.deepEqual((await calls.recent()).map((c) => c.rid), ['00000001-0000-0000']);
    assert.equal(own.byRid('00000001-0000-0000')?.rid, '00000001-0000-0000', 'record() writes to its own CallLog');
    assert.equal(calls.capacity, 5);
  });
});
