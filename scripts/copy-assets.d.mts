/** Whether a file under a package's src/ (path relative to src/, `/`-separated) is copied into dist/ as it is. */
export function isAsset(relativePath: string): boolean;
