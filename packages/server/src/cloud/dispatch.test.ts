import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mediaFilename } from './dispatch.ts';

describe('media filename', () => {
  it('keeps a known extension, appends one from the MIME type otherwise', () => {
    assert.equal(mediaFilename({ filename: 'media.png', contenttype: '' }), 'media.png');
    assert.equal(mediaFilename({ filename: 'photo', contenttype: 'image/jpeg' }), 'photo.jpg');
    assert.equal(mediaFilename({ filename: 'photo.heic', contenttype: 'image/png; x=y' }), 'photo.heic.png');
    assert.equal(mediaFilename({ filename: 'photo', contenttype: '' }), 'photo');
  });
});
