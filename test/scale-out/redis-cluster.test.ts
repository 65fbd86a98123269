/**
 * Two `wxmedia serve` processes whose state store is a Redis Cluster of three masters (started here): the same
 * URL form as a single Redis, and the same guarantees.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ERRCODES } from '@wxmedia/protocol';
import { jpeg } from '../helpers/images.ts';
import { redisServerMissing, startRedisCluster, type LocalRedisCluster } from '../helpers/redis-server.ts';
import { startS3rver, type LocalS3 } from '../helpers/s3rver.ts';
import { fetchToken, getMedia, uploadMedia } from '../helpers/server.ts';
import { APP, getErrcode, stableToken, startFleet, type Fleet } from './fleet.ts';

const GET_QUOTA = 30;
const noRedis = redisServerMissing();

describe('two instances on a Redis Cluster', { skip: noRedis?.skip ?? false }, () => {
  let s3: LocalS3;
  let cluster: LocalRedisCluster;
  let fleet: Fleet;
  before(async () => {
    s3 = await startS3rver();
    cluster = await startRedisCluster(3);
    fleet = await startFleet({ instances: 2, stateStore: cluster.url, s3, config: { dailyQuotas: { '/cgi-bin/media/get': GET_QUOTA } } });
  });
  after(async () => {
    await fleet?.stop();
    await cluster?.dispose();
    await s3?.dispose();
  });

  it('serves tokens, media and stable tokens alike, and counts one exact quota', async () => {
    const [a, b] = fleet.instances;
    const token = await fetchToken(a!.url, APP!);
    const bytes = jpeg({ size: 100_000 });
    const up = await uploadMedia(b!.url, token, { filename: 'c.jpg', bytes, contentType: 'image/jpeg' });
    assert.equal(up.errcode, 0, JSON.stringify(up));
    assert.ok((await getMedia(a!.url, token, up.media_id!)).body.equals(bytes));
    assert.equal((await stableToken(a!.url)).access_token, (await stableToken(b!.url)).access_token);

    const made = await fleet.admin(1, 'POST', '/apps', {});
    const app = { appid: String(made.json['appid']), secret: String(made.json['secret']) };
    const own = await fetchToken(a!.url, app);
    const codes = await Promise.all(Array.from({ length: GET_QUOTA + 10 }, (_, i) => getErrcode(fleet.instances[i % 2]!.url, own)));
    assert.equal(codes.filter((c) => c === ERRCODES.DAILY_QUOTA.errcode).length, 10, JSON.stringify(codes));
    assert.equal(codes.filter((c) => c === ERRCODES.INVALID_MEDIA_ID.errcode).length, GET_QUOTA);
    // The apps, the signing key and the counters really are spread over the masters.
    const listed = await fleet.admin(0, 'GET', '/apps');
    assert.ok((listed.json['apps'] as { appid: string }[]).some((x) => x.appid === app.appid), 'keys() reads every master');
  });
});
