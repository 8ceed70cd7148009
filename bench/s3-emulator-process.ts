/** Runs the S3 emulator in a process of its own, as S3 is a server apart from its client: prints its endpoint. */
import { startS3Emulator } from '../cli/local/emulators';

const [directory, ...buckets] = process.argv.slice(2);
startS3Emulator({ directory: directory!, bucket: buckets[0]! }).then((server) => {
  process.stdout.write(`${server.endpoint}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
});
