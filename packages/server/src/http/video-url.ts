import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ByteRange } from '../storage/blob-store.ts';
import type { ServerContext } from './context.ts';
import { parseRange } from './range.ts';
import { queryParam } from './request.ts';

/**
 * Official accounts: WeChat's "获取临时素材" (get temporary media) answers a **video** with JSON
 * `{"video_url": "<download address>"}` instead of the bytes —
 * https://developers.weixin.qq.com/doc/service/api/material/temporary/api_getmedia ("5.1 视频素材返回示例") and
 * https://developers.weixin.qq.com/doc/subscription/api/material/temporary/api_getmedia.md. wxmedia answers the same
 * way, with an address it serves itself: signed (services/media.ts signDownload) and valid exactly as long as the
 * media. (Developers have reported the live service sending the bytes instead —
 * https://developers.weixin.qq.com/community/minihome/doc/0006eee7d08aa8b147c1cf80a6b000 — so `videoGet: "bytes"`
 * does that; the SDK handles both.)
 */
export const VIDEO_DOWNLOAD_PATH = '/wxmedia/video/:id';

/** The absolute download address of a video: the configured public URL, or the one the client reached us by. */
export function videoUrl(request: FastifyRequest, ctx: ServerContext, mediaId: string): string {
  const base = ctx.options.publicUrl ?? `${request.protocol}://${request.host}`;
  return `${base.replace(/\/+$/, '')}${VIDEO_DOWNLOAD_PATH.replace(':id', mediaId)}?sign=${ctx.media.signDownload(mediaId)}`;
}

/**
 * GET/HEAD /wxmedia/video/<media_id>?sign=…: the video's bytes (Range → 206), like a CDN: 404 for a wrong
 * signature, an expired or deleted media. No access_token: the signed address is the credential, as WeChat's is.
 */
export function videoDownloadRoute(app: FastifyInstance, ctx: ServerContext): void {
  app.route<{ Params: { id: string } }>({
    method: ['GET', 'HEAD'],
    url: VIDEO_DOWNLOAD_PATH,
    config: { wechat: 'https' },
    handler: async (request, reply) => {
      const { id } = request.params;
      const sign = queryParam(request, 'sign');
      const head = request.method === 'HEAD';
      if (request.wxCall) request.wxCall.mediaId = id;
      const notFound = () => {
        request.wxErrcode = 404;
        if (request.wxCall) request.wxCall.reason = 'video download: unknown, expired or wrongly signed';
        return reply.code(404).header('content-type', 'text/plain; charset=utf-8').send('not found\n');
      };
      const stat = await ctx.media.openDownload(id, sign, { headOnly: true });
      if (!stat) return notFound();
      let range: ByteRange | undefined;
      if (request.headers.range !== undefined) {
        const parsed = parseRange(request.headers.range, stat.size);
        if (parsed === 'unsatisfiable') {
          request.wxErrcode = 0;
          return reply.code(416).header('content-range', `bytes */${stat.size}`).header('content-length', 0).send();
        }
        range = parsed;
      }
      const opened = head ? stat : await ctx.media.openDownload(id, sign, range ? { range } : {});
      if (!opened) return notFound();
      request.wxErrcode = 0;
      reply.raw.setHeader('Content-disposition', `attachment; filename="${id}.${opened.ext}"`);
      reply.header('content-type', opened.contentType).header('accept-ranges', 'bytes').header('cache-control', 'private, max-age=3600');
      if (range) reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${stat.size}`).header('content-length', range.end - range.start + 1);
      else reply.code(200).header('content-length', stat.size);
      if (request.wxCall && !head) request.wxCall.bytes = range ? range.end - range.start + 1 : stat.size;
      if (head || !opened.content) return reply.send();
      return reply.send(opened.content.bytes ?? opened.content.stream);
    },
  });
}
