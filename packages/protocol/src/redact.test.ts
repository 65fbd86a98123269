import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, isSensitiveParam, redact, redactUrl, redactValues } from './redact.ts';

describe('redact', () => {
  it('removes whole tokens from URLs, including their - and _ characters', () => {
    const token = 'AQEAAAAB-aW_xx-yy_zz';
    assert.equal(
      redact(`https://api.weixin.qq.com/cgi-bin/media/get?access_token=${token}&media_id=M#frag`),
      `https://api.weixin.qq.com/cgi-bin/media/get?access_token=${REDACTED}&media_id=M#frag`,
    );
    assert.equal(redact(`/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=s3-cr_et`), `/cgi-bin/token?grant_type=client_credential&appid=wx1&secret=${REDACTED}`);
    assert.equal(redact('?ACCESS_TOKEN=abc'), `?ACCESS_TOKEN=${REDACTED}`);
  });

  it('removes secrets and tokens from JSON and from a TC3 Authorization credential', () => {
    assert.equal(redact('{"appid":"wx1","secret":"abc-def"}'), `{"appid":"wx1","secret":"${REDACTED}"}`);
    assert.equal(redact('{"access_token": "t-1_2"}'), `{"access_token": "${REDACTED}"}`);
    assert.equal(
      redact('TC3-HMAC-SHA256 Credential=AKIDxyz/2026-11-22/tcb/tc3_request, Signature=ab'),
      `TC3-HMAC-SHA256 Credential=${REDACTED}/2026-11-22/tcb/tc3_request, Signature=ab`,
    );
  });

  it('redactValues removes known literals anywhere, but not strings too short to be secrets', () => {
    assert.equal(redactValues('echo my-secret-value back', ['my-secret-value']), `echo ${REDACTED} back`);
    assert.equal(redactValues('a b c', ['a']), 'a b c');
  });

  it('judges a parameter by its decoded name: every spelling of a credential, and nothing else', () => {
    const sensitive = [
      'access_token', 'ACCESS_TOKEN', 'Access_Token', 'access%5Ftoken', 'access%5ftoken', '%61ccess_token', 'access_token[]',
      'access_token%5B%5D', 'access_token[0]', ' access_token ', 'access+token', 'access_token%00', 'access%255Ftoken',
      'secret', '%73ecret', '%73%65%63%72%65%74', 'SECRET', 'secret[]', 'appsecret', 'client_secret', 'secretKey', 'secret_key',
      'key', 'KEY', 'admin_key', 'adminKey', 'token', 'password', 'x?secret',
    ];
    for (const name of sensitive) assert.equal(isSensitiveParam(name), true, name);
    for (const name of ['grant_type', 'appid', 'media_id', 'type', 'env', 'seqId', 'force_refresh', 'limit', 'cgi_path', '%zz', '']) {
      assert.equal(isSensitiveParam(name), false, name);
    }
  });

  it('redactUrl splits the target as the router does and keeps everything but sensitive values as sent', () => {
    assert.equal(
      redactUrl('/cgi-bin/token?grant_type=client_credential&appid=wx1&%73ecret=S-1_2'),
      `/cgi-bin/token?grant_type=client_credential&appid=wx1&%73ecret=${REDACTED}`,
    );
    assert.equal(
      redactUrl('/cgi-bin/media/get?access%5Ftoken=T&media_id=M&access_token[]=T2&access_token=T3&access_token=T4'),
      `/cgi-bin/media/get?access%5Ftoken=${REDACTED}&media_id=M&access_token[]=${REDACTED}&access_token=${REDACTED}&access_token=${REDACTED}`,
    );
    // The router's query starts at the first ? or #, and a value runs to the next & (a # inside it included).
    assert.equal(redactUrl('/cgi-bin/token#x?secret=S'), `/cgi-bin/token#x?secret=${REDACTED}`);
    assert.equal(redactUrl('/p?access_token=a#b?c&x=1'), `/p?access_token=${REDACTED}&x=1`);
    assert.equal(redactUrl('/wxmedia/admin/apps?key=K'), `/wxmedia/admin/apps?key=${REDACTED}`);
    assert.equal(redactUrl('http://host/cgi-bin/token?secret=S'), `http://host/cgi-bin/token?secret=${REDACTED}`);
    assert.equal(redactUrl('/cgi-bin/token?secret'), '/cgi-bin/token?secret', 'a name without a value has nothing to hide');
    assert.equal(redactUrl('/healthz'), '/healthz');
  });

  it('redact applies the same rule to URLs quoted in free text', () => {
    assert.equal(redact('GET /cgi-bin/token?%73ecret=S&appid=wx1 failed'), `GET /cgi-bin/token?%73ecret=${REDACTED}&appid=wx1 failed`);
    assert.equal(redact('see "https://x/y?access_token%5B%5D=T"'), `see "https://x/y?access_token%5B%5D=${REDACTED}"`);
    assert.equal(redact('{"key":"k-1","adminKey":"k2"}'), `{"key":"${REDACTED}","adminKey":"${REDACTED}"}`);
  });
  it('leaves text with neither "=" nor a quote as it is, and still redacts once either appears', () => {
    for (const text of ['multipart/form-data', 'undici', '127.0.0.1:8080', 'keep-alive', '']) assert.equal(redact(text), text);
    assert.equal(redact('see ?secret=abc'), `see ?secret=${REDACTED}`);
    assert.equal(redact('{"access_token": "abc"}'), `{"access_token": "${REDACTED}"}`);
    assert.equal(redact('AWS4-HMAC-SHA256 Credential=AKIA/2026'), `AWS4-HMAC-SHA256 Credential=${REDACTED}/2026`);
  });
});
