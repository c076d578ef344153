import { EXIT, type ErrorTable } from './errors.ts';

/** Codes owned by the spine: config, CLI, HTTP, store, boot. */
export const CORE_ERRORS = {
  NXS_ERR_INTERNAL: { exit: EXIT.FAILURE, http: 500, summary: 'An unexpected failure inside nxs; the log has the details.' },
  NXS_ERR_USAGE: { exit: EXIT.USAGE, http: 400, summary: 'A command, flag or argument is not valid.' },
  NXS_ERR_CONFIG_INVALID: { exit: EXIT.CONFIG, http: 500, summary: 'A config value is invalid; the message names the file, the key and the expected form.' },
  NXS_ERR_CONFIG_UNREADABLE: { exit: EXIT.CONFIG, http: 500, summary: 'The config file cannot be read, is not a regular file under 1 MiB, or is not valid YAML.' },
  NXS_ERR_PORT_IN_USE: { exit: EXIT.ENVIRONMENT, http: 500, summary: 'The HTTP port is already taken by another process.' },
  NXS_ERR_DATA_DIR: { exit: EXIT.ENVIRONMENT, http: 500, summary: 'The data folder cannot be created or written.' },
  NXS_ERR_DATA_DIR_UNSAFE: { exit: EXIT.ENVIRONMENT, http: 500, summary: 'The data folder or a file in it belongs to another user (or is a link); nxs keeps no store or token there.' },
  NXS_ERR_NO_HOME: { exit: EXIT.ENVIRONMENT, http: 500, summary: 'No home for nxs: NXS_HOME and HOME are unset (or HOME is relative) and the account has no home in the password database.' },
  NXS_ERR_DATA_DIR_IN_USE: { exit: EXIT.ENVIRONMENT, http: 409, summary: 'Another nxs host is running on this data folder; one store has one host.' },
  NXS_ERR_STORE: { exit: EXIT.ENVIRONMENT, http: 500, summary: 'The SQLite store cannot be opened or migrated.' },
  NXS_ERR_HOST_UNREACHABLE: { exit: EXIT.UNAVAILABLE, http: 503, summary: 'No running host answers for this data folder.' },
  NXS_ERR_TOO_MANY_CONNECTIONS: { exit: EXIT.BUSY, http: 503, summary: 'The host holds as many connections as its open-file limit allows; the reserve serves only health checks and the operator.' },
  NXS_ERR_NOT_READY: { exit: EXIT.UNAVAILABLE, http: 503, summary: 'The host is starting or stopping and cannot serve this yet.' },
  NXS_ERR_BAD_REQUEST: { exit: EXIT.USAGE, http: 400, summary: 'The request body or parameters are malformed.' },
  NXS_ERR_PAYLOAD_TOO_LARGE: { exit: EXIT.USAGE, http: 413, summary: 'The request body is larger than the host accepts.' },
  NXS_ERR_NOT_FOUND: { exit: EXIT.NOT_FOUND, http: 404, summary: 'The route or the named object does not exist.' },
  NXS_ERR_METHOD_NOT_ALLOWED: { exit: EXIT.USAGE, http: 405, summary: 'The route exists but not for this HTTP method.' },
  NXS_ERR_UNAUTHORIZED: { exit: EXIT.DENIED, http: 401, summary: 'No bearer token, or one the host does not know.' },
  NXS_ERR_FORBIDDEN: { exit: EXIT.DENIED, http: 403, summary: 'The token lacks a capability the operation requires.' },
  NXS_ERR_TOKEN_WEAK: { exit: EXIT.CONFIG, http: 500, summary: 'The operator token (NXS_API_TOKEN, api_token or the api-token file) is shorter than 32 characters or has fewer than 8 different ones; the host does not start.' },
  NXS_ERR_REMOTE_NEEDS_TOKEN: { exit: EXIT.USAGE, http: 400, summary: '--url names a host other than this machine: the operator token is not sent there; give its token with NXS_API_TOKEN or --token-file.' },
  NXS_ERR_DISK_LOW: { exit: EXIT.ENVIRONMENT, http: 507, summary: 'Free disk is below the safety floor; large work is refused to protect the store.' },
} as const satisfies ErrorTable;
