/**
 * The rehearsal's S3 emulator in a process of its own (started by s3-emulator-child.ts): S3 is a
 * server apart from its clients, and an emulator fault (s3rver throws from its internals, e.g.
 * ENAMETOOLONG for a long key) ends only this process. Talks to its parent over IPC: `ready`
 * with the endpoint, every notification as `event`, and `crash` with the reason before it exits.
 */
import { startS3Emulator } from './emulators';

const [directory, bucket, port] = process.argv.slice(2);
const send = (message: object) => process.send?.(message);

process.on('uncaughtException', (e: NodeJS.ErrnoException) => {
  // Exit once the parent has the reason (or soon, if the channel is gone).
  setTimeout(() => process.exit(1), 1000).unref();
  if (!process.send?.({ type: 'crash', reason: e.message.split('\n')[0], code: e.code }, () => process.exit(1))) process.exit(1);
});
// The parent gone (killed, crashed): nothing is left to serve.
process.on('disconnect', () => process.exit(0));

startS3Emulator({ directory: directory!, bucket: bucket!, port: Number(port) }).then((server) => {
  server.events.on('event', (event: unknown) => send({ type: 'event', event }));
  send({ type: 'ready', endpoint: server.endpoint });
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
});
