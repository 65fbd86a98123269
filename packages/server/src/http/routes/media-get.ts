import type { FastifyInstance } from 'fastify';
import { PATHS } from '@wxmedia/protocol';
import type { ByteRange } from '../../storage/blob-store.ts';
import type { ServerContext } from '../context.ts';
import { queryParam } from '../request.ts';
import { parseRange } from '../range.ts';
import { authenticatedRoute } from './wechat-route.ts';
import { sendJson } from '../reply.ts';
import { videoUrl } from '../video-url.ts';

/**
 * GET and HEAD /cgi-bin/media/get?access_token=&media_id= (WeChat's getTempMedia page): the bytes with WeChat's
 * headers, or the JSON envelope. HEAD (the page's own `curl -I -G`) stats only. A single `Range` gets 206 (RFC 9110).
 */
export function mediaGetRoute(app: FastifyInstance, ctx: ServerContext): void {
  authenticatedRoute(app, ctx, { path: PATHS.get, methods: ['GET', 'HEAD'], group: 'media' }, async (request, reply, caller) => {
    await ctx.quotas.charge(caller.appid, PATHS.get);
    const mediaId = queryParam(request, 'media_id');
    if (request.wxCall && mediaId) request.wxCall.mediaId = mediaId;
    const head = request.method === 'HEAD';
    const rangeHeader = request.headers.range;

    if (caller.kind === 'official' && ctx.options.videoGet === 'url') {
      // An official account's video is answered with its download address, as WeChat documents (video-url.ts).
      const stat = await ctx.media.open(caller.appid, mediaId, { headOnly: true });
      if (stat.contentType.startsWith('video/')) return sendJson(request, reply, ctx, { video_url: videoUrl(request, ctx, stat.mediaId) });
    }
    let range: ByteRange | undefined;
    let size: number | undefined;
    if (rangeHeader !== undefined) {
      const stat = await ctx.media.open(caller.appid, mediaId, { headOnly: true });
      size = stat.size;
      const parsed = parseRange(rangeHeader, stat.size);
      if (parsed === 'unsatisfiable') {
        request.wxErrcode = 0;
        return reply.code(416).header('content-range', `bytes */${stat.size}`).header('content-length', 0).send();
      }
      range = parsed;
    }
    const opened = await ctx.media.open(caller.appid, mediaId, head ? { headOnly: true } : range ? { range } : {});
    const total = size ?? opened.size;
    request.wxErrcode = 0;
    // Set on the raw response so Node keeps WeChat's spelling: `Content-disposition`, lower-case d. Some SDKs
    // look the header up case-sensitively.
    reply.raw.setHeader('Content-disposition', `attachment; filename="${opened.mediaId}.${opened.ext}"`);
    reply
      .header('content-type', opened.contentType)
      .header('cache-control', 'no-cache, must-revalidate')
      .header('accept-ranges', 'bytes');
    if (range) {
      reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${total}`).header('content-length', range.end - range.start + 1);
    } else {
      reply.code(200).header('content-length', total);
    }
    if (request.wxCall && !head) request.wxCall.bytes = range ? range.end - range.start + 1 : total;
    if (head || !opened.content) {
      opened.content?.stream?.destroy();
      return reply.send();
    }
    // A small blob comes read whole (one buffer, one write); a larger one as a stream.
    return reply.send(opened.content.bytes ?? opened.content.stream);
  });
}
