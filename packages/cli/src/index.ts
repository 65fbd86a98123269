export { CliError, resolveServeSettings, parseAppFlag, DEFAULT_PORT, DEFAULT_HOST, DEFAULT_DATA_DIR } from './serve-config.ts';
