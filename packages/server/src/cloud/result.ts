import { ERRCODES, errmsgWithRid, type ErrcodeInfo } from '@wxmedia/protocol';
import type { CommOpenApiResp } from './protobuf.ts';

/**
 * What goes back inside a CommOpenApiResp. The gateway answers exactly what WeChat's HTTPS API would (snake_case
 * JSON, `errmsg: "<text> rid: <rid>"`); wx-server-sdk itself then
 *  - on `errcode` 0: deletes errcode/errmsg, converts snake_case to camelCase (`media_id` → `mediaId`) unless the
 *    function asked for `convertCase: false`, and adds `errCode: 0, errMsg: "openapi.<api>:ok"`;
 *  - on a non-zero errcode: throws `{errCode: errcode, errMsg: "openapi.<api>:fail " + errmsg}`;
 *  - on a non-JSON Content-Type: returns `{contentType, buffer}` (getTempMedia).
 * So the gateway must NOT add the `openapi.…:fail` prefix itself: the SDK would double it.
 */
const JSON_TYPE = 'application/json';

/** A WeChat JSON reply (success or `{errcode, errmsg}`). */
export function jsonResp(body: object): CommOpenApiResp {
  return { respData: Buffer.from(JSON.stringify(body), 'utf8'), contentType: JSON_TYPE, httpCode: 200 };
}

/** A WeChat error, with the request's rid in errmsg as the HTTPS API writes it. */
export function wechatErrorResp(error: Pick<ErrcodeInfo, 'errcode' | 'errmsg'>, rid: string): CommOpenApiResp {
  return jsonResp({ errcode: error.errcode, errmsg: errmsgWithRid(error.errmsg, rid) });
}

/** A success JSON body starting with `errcode: 0, errmsg: "ok"` as WeChat's pages show it. */
export function wechatOkResp(fields: Record<string, unknown>): CommOpenApiResp {
  return jsonResp({ errcode: ERRCODES.OK.errcode, errmsg: ERRCODES.OK.errmsg, ...fields });
}

/** Binary content (getTempMedia): the SDK hands it to the function as `{contentType, buffer}`. */
export function binaryResp(contentType: string, data: Buffer): CommOpenApiResp {
  return { respData: data, contentType, httpCode: 200 };
}

/** A gateway-side refusal such as -604101: no body; the SDK writes `system error: error code: <n>`. */
export function gatewayCodeResp(errorCode: number): CommOpenApiResp {
  return { errorCode };
}
