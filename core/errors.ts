/** Input that does not fit a contract: a key, a manifest, a signal, an event. Never retried. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}

/** A configuration variable is missing or malformed; the message names the variable. */
export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable} ${message}`);
  }
}
