import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, type CallRecord } from '@wxmedia/protocol';
import { CallLog } from './call-log.ts';
import { answerPeerQuestion } from './call-peers.ts';
import type { CallToRecord } from './call-redaction.ts';

const TOKEN = 'tok-0123456789abcdefghijklmnopqrstuvwxyz';
const SECRET = 'secret-0123456789abcdefghijklmnop';

/** A call as observe.ts hands it over: query, headers and reason unredacted. */
function rawCall(rid: string): CallToRecord {
  return {
    rid,
    at: 1_790_000_000_000,
    method: 'GET',
    channel: 'https',
    api: '/cgi-bin/media/get',
    appid: 'wxa',
    status: 200,
    errcode: 40001,
    ms: 1,
    reason: `invalid credential: from /cgi-bin/token?secret=${SECRET}`,
    query: { access_token: TOKEN, media_id: 'm', next: `https://x/?access_token=${TOKEN}` },
    headers: { host: '127.0.0.1', authorization: `Bearer ${TOKEN}`, cookie: ['a=1', `sid=${SECRET}`], 'x-forwarded-for': undefined },
  };
}

function assertRedacted(call: CallRecord | null | undefined): void {
  assert.ok(call);
  const text = JSON.stringify(call);
  assert.ok(!text.includes(TOKEN) && !text.includes(SECRET), text);
  assert.equal(call.query['access_token'], REDACTED);
  assert.equal(call.query['media_id'], 'm');
  assert.equal(call.query['next'], `https://x/?access_token=${REDACTED}`);
  assert.deepEqual(call.headers, { host: '127.0.0.1', authorization: REDACTED, cookie: REDACTED });
  assert.equal(call.reason, `invalid credential: from /cgi-bin/token?secret=${REDACTED}`);
}

describe('CallLog: a call is kept as it came and redacted when read', () => {
  it('every reader sees it redacted: recent, byRid, subscribers, peers, and after a partial clear', () => {
    const log = new CallLog(4);
    const live: CallRecord[] = [];
    const stop = log.subscribe((c) => live.push(c));
    log.record(rawCall('00000001-0000-0000'));
    stop();
    log.record(rawCall('00000002-0000-0000'));
    // Read after the fact, by every way there is.
    assertRedacted(live[0]);
    for (const c of log.recent()) assertRedacted(c);
    assertRedacted(log.byRid('00000002-0000-0000'));
    assertRedacted(answerPeerQuestion(log, { op: 'byRid', rid: '00000001-0000-0000' }));
    for (const c of answerPeerQuestion(log, { op: 'recent', query: { failed: true, appid: 'wxa' } })) assertRedacted(c);
    log.clear('wxother');
    assert.equal(log.recent().length, 2);
    for (const c of log.recent()) assertRedacted(c);
    // Redacted once: the same record each time it is read.
    assert.equal(log.byRid('00000002-0000-0000'), log.recent()[0]);
  });
});
