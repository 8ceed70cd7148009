import { loadConfig } from '../../core/config';
import { signedPath } from '../../core/signing';
import { commandEnv, intFlag, parseCommandArgs, UsageError, type Command } from '../command';

const help = `usage: shelfstack sign <book>/<file> [--ttl SECONDS] [--base URL] [--customer ID]

Prints a signed download link for one chunk, valid for --ttl seconds (default 14400, 4 hours).
--base is the web server's address (default http://127.0.0.1:8080); --customer adds a customer
id that the signature covers and the access log shows.

Needs SHELFSTACK_SIGNING_KEY.`;

export const command: Command = {
  help,
  async run(argv) {
    const { values, positionals } = parseCommandArgs(argv, {
      ttl: { type: 'string' },
      base: { type: 'string' },
      customer: { type: 'string' },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one <book>/<file>');
    const target = positionals[0]!;
    const slash = target.indexOf('/');
    if (slash < 0) throw new UsageError('the chunk must be written <book>/<file>');
    const ttl = intFlag(values.ttl, 'ttl', 14_400);
    let base: URL;
    try {
      base = new URL(values.base ?? 'http://127.0.0.1:8080');
    } catch {
      throw new UsageError(`--base is not a URL: ${values.base}`);
    }
    const { signingKey } = loadConfig(commandEnv(values.config), ['signingKey']);
    const expires = Math.floor(Date.now() / 1000) + ttl;
    const ref = { book: target.slice(0, slash), file: target.slice(slash + 1) };
    console.log(`${base.origin}${base.pathname.replace(/\/$/, '')}${signedPath(signingKey, ref, expires, values.customer)}`);
    return 0;
  },
};
