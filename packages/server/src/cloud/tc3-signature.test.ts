import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseTc3Authorization } from './tc3-signature.ts';

describe('TC3 Authorization header', () => {
  it('parses the SDK\'s Authorization and refuses others', () => {
    const sig = 'a'.repeat(64);
    assert.deepEqual(
      parseTc3Authorization(`TC3-HMAC-SHA256 Credential=wx1/2026-11-22/tcb/tc3_request, SignedParams=action;apiname;requestdata, SignedHeaders=content-type;host, Signature=${sig}`),
      { secretId: 'wx1', date: '2026-11-22', service: 'tcb', signedParams: ['action', 'apiname', 'requestdata'], signedHeaders: ['content-type', 'host'], signature: sig },
    );
    assert.equal(parseTc3Authorization('Bearer x'), undefined);
    assert.equal(parseTc3Authorization(`TC3-HMAC-SHA256 Credential=wx1/2026-11-22/tcb, SignedHeaders=host, Signature=${sig}`), undefined);
  });
});
