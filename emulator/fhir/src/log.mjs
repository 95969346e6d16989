// Structured log lines in Cloud Logging's JSON shape, one object per line on stdout.
// Callers pass identifiers, counts and timings only: never a resource body or a search value.

function write(severity, message, fields) {
  process.stdout.write(JSON.stringify({ severity, message, ...fields }) + '\n');
}

export const log = {
  info: (message, fields = {}) => write('INFO', message, fields),
  warning: (message, fields = {}) => write('WARNING', message, fields),
  error: (message, fields = {}) => write('ERROR', message, fields),
};

/**
 * Describes an unexpected error without its message, which may quote request data.
 * Keeps the error class, the system error code (such as ECONNREFUSED) and the stack frames.
 */
export function describeError(err) {
  if (!(err instanceof Error)) {
    return { errorType: typeof err };
  }
  const frames = (err.stack ?? '').split('\n').filter((line) => line.trimStart().startsWith('at '));
  const cause = err.cause instanceof Error ? err.cause : undefined;
  return {
    errorType: err.name,
    errorCode: err.code ?? cause?.code,
    stack: frames.slice(0, 5).map((line) => line.trim()),
  };
}
