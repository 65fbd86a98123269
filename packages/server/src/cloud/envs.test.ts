import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOUD_APIS } from '@wxmedia/protocol';
import { DEFAULT_CLOUD_OPENAPI, acceptedSecretKey, implicitCloudEnv, isApiAllowed, type CloudEnvConfig } from './envs.ts';

describe('permissions and credentials', () => {
  const app = implicitCloudEnv({ appid: 'wxapp', secret: 'app-secret' });
  const limited: CloudEnvConfig = { env: 'lim', appid: 'wxapp', secretId: 'AKID', secretKey: 'k', openapi: [CLOUD_APIS.uploadTempMedia] };
  it('an env without a list allows the two media APIs; a function list narrows it and may name others', () => {
    for (const api of DEFAULT_CLOUD_OPENAPI) assert.ok(isApiAllowed(api, app, undefined));
    assert.ok(!isApiAllowed('security.msgSecCheck', app, undefined));
    assert.ok(!isApiAllowed(CLOUD_APIS.getTempMedia, app, [CLOUD_APIS.uploadTempMedia]));
    assert.ok(isApiAllowed('security.msgSecCheck', app, ['security.msgSecCheck']));
    assert.ok(!isApiAllowed(CLOUD_APIS.getTempMedia, app, []));
  });
  it('an env list caps every function', () => {
    assert.ok(!isApiAllowed(CLOUD_APIS.getTempMedia, limited, DEFAULT_CLOUD_OPENAPI));
    assert.ok(isApiAllowed(CLOUD_APIS.uploadTempMedia, limited, undefined));
  });
  it('accepts the env\'s keys and the app\'s own, nothing else', async () => {
    const lookup = async (id: string) => (id === 'wxapp' ? app : undefined);
    assert.equal(await acceptedSecretKey(limited, 'AKID', lookup), 'k');
    assert.equal(await acceptedSecretKey(limited, 'wxapp', lookup), 'app-secret');
    assert.equal(await acceptedSecretKey(app, 'wxapp', lookup), 'app-secret');
    assert.equal(await acceptedSecretKey(limited, 'AKIDother', lookup), undefined);
    assert.equal(await acceptedSecretKey({ env: 'e', appid: 'wxapp' }, 'wxapp', lookup), 'app-secret');
  });
});
