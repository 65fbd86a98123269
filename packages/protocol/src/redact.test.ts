import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { REDACTED, redact, redactValues } from './redact.ts';

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
});
