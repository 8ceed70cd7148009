import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { Client } from 'basic-ftp';
import { addUser } from '../../instance/ftp/users';
import { tempDir, useEmulators } from '../support/emulators';
import { waitFor } from '../support/wait';

const emu = useEmulators('shelfstack-ftpproc');
const ROOT = path.resolve(__dirname, '../..');
let child: ChildProcess | undefined;

afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('shelfstack ftp as a process', () => {
  it('serves logins from the users file and exits 0 on SIGTERM after closing', async () => {
    const dir = await tempDir('shelfstack-ftpproc-');
    const usersFile = path.join(dir, 'users.json');
    await addUser(usersFile, 'nora', 'narrator-secret', 'narrator');
    const pasv = 40000 + Math.floor(Math.random() * 20000);
    child = spawn(process.execPath, [path.join(ROOT, 'bin/shelfstack.js'), 'ftp', '--host', '127.0.0.1', '--port', String(20000 + Math.floor(Math.random() * 10000))], {
      cwd: ROOT,
      env: {
        ...process.env,
        SHELFSTACK_BUCKET: emu.bucket,
        SHELFSTACK_FTP_DIR: path.join(dir, 'data'),
        SHELFSTACK_FTP_USERS: usersFile,
        SHELFSTACK_FTP_PASV_URL: '127.0.0.1',
        SHELFSTACK_FTP_PASV_MIN: String(pasv),
        SHELFSTACK_FTP_PASV_MAX: String(pasv + 10),
        AWS_ENDPOINT_URL_S3: emu.s3Server.endpoint,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    const started = await waitFor(() => out.split('\n').find((l) => l.includes('"ftp_started"')), 15_000, 'ftp_started').catch((e: Error) => {
      throw new Error(`${e.message}; output:\n${out}`);
    });
    const { port } = JSON.parse(started) as { port: number };

    const client = new Client(5000);
    await client.access({ host: '127.0.0.1', port, user: 'nora', password: 'narrator-secret' });
    expect((await client.list('/')).map((f) => f.name)).toEqual(['audiobooks']);
    client.close();

    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('"ftp_stopped"');
    expect(out).toContain('"shutdown_done"');
  }, 40_000);
});
