/**
 * Official accounts: a video is answered with `{"video_url"}` (WeChat's documented answer for 获取临时素材,
 * https://developers.weixin.qq.com/doc/service/api/material/temporary/api_getmedia), an address wxmedia serves:
 * signed, expiring with the media, Range-capable. The SDK follows it, so its callers still receive bytes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ERRCODES } from '@wxmedia/protocol';
import { WeChatClient } from '@wxmedia/sdk';
import { ManualClock } from '@wxmedia/server';
import { image, mp4 } from '../helpers/images.ts';
import { startServer, type InProcessServer, type TestApp } from '../helpers/server.ts';

const OFFICIAL: TestApp & { kind: 'official' } = { appid: 'wxofficial0000001', secret: 'secret-of-official-1', kind: 'official' };
const MINI: TestApp = { appid: 'wxminiprog0000001', secret: 'secret-of-mini-prog-1' };

async function upload(s: InProcessServer, token: string, bytes: Buffer, filename: string, type: string): Promise<string> {
  const form = new FormData();
  form.append('media', new Blob([bytes]), filename);
  const r = (await (await fetch(`${s.url}/cgi-bin/media/upload?access_token=${token}&type=${type}`, { method: 'POST', body: form })).json()) as { media_id?: string; errmsg?: string };
  assert.ok(r.media_id, JSON.stringify(r));
  return r.media_id;
}

describe('official-account video: video_url', () => {
  const clock = new ManualClock(Date.now());
  let s: InProcessServer;
  let token: string;
  let videoId: string;
  const video = mp4(4096);
  before(async () => {
    s = await startServer({ apps: [OFFICIAL, MINI], clock });
    token = await s.token(OFFICIAL);
    videoId = await upload(s, token, video, 'clip.mp4', 'video');
  });
  after(() => s.stop());

  it('get answers {video_url} as JSON (text/plain, like the other JSON replies of media/get); the address serves the bytes', async () => {
    const r = await fetch(`${s.url}/cgi-bin/media/get?access_token=${token}&media_id=${videoId}`);
    assert.equal(r.headers.get('content-type'), 'text/plain');
    const body = (await r.json()) as { video_url: string };
    assert.deepEqual(Object.keys(body), ['video_url']);
    const url = new URL(body.video_url);
    assert.equal(url.origin, s.url);
    assert.equal(url.pathname, `/wxmedia/video/${videoId}`);
    assert.ok(!body.video_url.includes(token), 'no token in the address');
    const got = await fetch(body.video_url);
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'video/mp4');
    assert.deepEqual(Buffer.from(await got.arrayBuffer()), video);
    const part = await fetch(body.video_url, { headers: { range: 'bytes=100-199' } });
    assert.equal(part.status, 206);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), video.subarray(100, 200));
  });

  it('a wrong signature, another id, or an expired media: 404', async () => {
    const { video_url } = (await (await fetch(`${s.url}/cgi-bin/media/get?access_token=${token}&media_id=${videoId}`)).json()) as { video_url: string };
    const url = new URL(video_url);
    const forged = new URL(url);
    forged.searchParams.set('sign', 'A'.repeat(22));
    assert.equal((await fetch(forged)).status, 404);
    const unsigned = new URL(url);
    unsigned.search = '';
    assert.equal((await fetch(unsigned)).status, 404);
    const other = await upload(s, token, mp4(10), 'b.mp4', 'video');
    const swapped = new URL(url);
    swapped.pathname = `/wxmedia/video/${other}`;
    assert.equal((await fetch(swapped)).status, 404, "another media's id under this signature");

    clock.advance(259_200);
    try {
      assert.equal((await fetch(video_url)).status, 404, 'expired with the media');
    } finally {
      clock.advance(-259_200);
    }
  });

  it('images of official accounts, and everything of mini programs, still come as bytes', async () => {
    const png = image('png');
    const imageId = await upload(s, token, png, 'a.png', 'image');
    const r = await fetch(`${s.url}/cgi-bin/media/get?access_token=${token}&media_id=${imageId}`);
    assert.equal(r.headers.get('content-type'), 'image/png');
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), png);
    const mini = await s.token(MINI);
    const notYours = (await (await fetch(`${s.url}/cgi-bin/media/get?access_token=${mini}&media_id=${videoId}`)).json()) as { errcode: number };
    assert.equal(notYours.errcode, ERRCODES.INVALID_MEDIA_ID.errcode, "another app's video: 40007, no address");
  });

  it('the SDK follows video_url: getTempMedia returns the video bytes', async () => {
    const client = new WeChatClient({ appid: OFFICIAL.appid, secret: OFFICIAL.secret, baseUrl: s.url });
    try {
      const got = await client.openapi.customerServiceMessage.getTempMedia({ mediaId: videoId });
      assert.equal(got.contentType, 'video/mp4');
      assert.deepEqual(Buffer.from(got.buffer), video);
    } finally {
      await client.close?.();
    }
  });
});

describe('official-account video with videoGet: bytes', () => {
  it('answers the bytes instead (as some developers report the live service does)', async () => {
    const s = await startServer({ apps: [OFFICIAL], videoGet: 'bytes' });
    try {
      const token = await s.token(OFFICIAL);
      const video = mp4(100);
      const id = await upload(s, token, video, 'v.mp4', 'video');
      const r = await fetch(`${s.url}/cgi-bin/media/get?access_token=${token}&media_id=${id}`);
      assert.equal(r.headers.get('content-type'), 'video/mp4');
      assert.deepEqual(Buffer.from(await r.arrayBuffer()), video);
    } finally {
      await s.stop();
    }
  });

  it('publicUrl names the address clients reach behind a proxy', async () => {
    const s = await startServer({ apps: [OFFICIAL], publicUrl: 'https://media.example.com/wx' });
    try {
      const token = await s.token(OFFICIAL);
      const id = await upload(s, token, mp4(10), 'v.mp4', 'video');
      const { video_url } = (await (await fetch(`${s.url}/cgi-bin/media/get?access_token=${token}&media_id=${id}`)).json()) as { video_url: string };
      assert.match(video_url, new RegExp(`^https://media\\.example\\.com/wx/wxmedia/video/${id}\\?sign=[A-Za-z0-9_-]{22}$`));
    } finally {
      await s.stop();
    }
  });
});
