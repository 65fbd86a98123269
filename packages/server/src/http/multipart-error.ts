/** Why a multipart body was refused; the upload route answers every reason with 41005. */
export type MultipartErrorReason = 'no-boundary' | 'malformed' | 'truncated' | 'header-too-large' | 'too-many-parts';

export class MultipartError extends Error {
  constructor(
    readonly reason: MultipartErrorReason,
    detail?: string,
  ) {
    super(detail ? `multipart ${reason}: ${detail}` : `multipart ${reason}`);
    this.name = 'MultipartError';
  }
}
