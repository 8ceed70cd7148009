import { readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { parseConfigFile } from '../../../core/config';
import { startLocalSessions, type LocalSessions } from '../../../cli/local/sessions';
import { silentLogger } from '../../../instance/logger';
import { runCli } from '../../support/cli';
import { tempDir } from '../../support/emulators';

let dir: string;
let local: LocalSessions;

beforeAll(async () => {
  dir = await tempDir('shelfstack-local-sessions-');
  local = await startLocalSessions({ dir, logger: silentLogger, sampleSessions: 300 });
});
afterAll(async () => {
  await local?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the rehearsal\'s sessions', () => {
  it('runs memcached and a session table, and a migration against them goes as the README shows', async () => {
    const env = parseConfigFile(await readFile(path.join(dir, 'sessions.env'), 'utf8'), 'sessions.env');
    expect(env.SHELFSTACK_MEMCACHED).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(env.SHELFSTACK_SESSIONS_MYSQL_URL).toMatch(/^mysql:\/\/root@127\.0\.0\.1:\d+\/shelfstack_local_[0-9a-f]{8}$/);
    const cp = ['--checkpoint', path.join(dir, 'migrate.json')];

    const dry = await runCli(['sessions', 'migrate', '--dry-run', ...cp], env);
    expect(dry.code).toBe(0);
    // 40 % of the samples are live, the rest long expired.
    const live = 120;
    expect(dry.stdout).toContain(`would copy ${live} sessions`);

    const real = await runCli(['sessions', 'migrate', ...cp], env);
    expect(real.code).toBe(0);
    expect(real.stdout).toContain(`copied ${live} sessions`);
    const status = await runCli(['sessions', 'status'], env);
    expect(status.stdout).toMatch(new RegExp(`^mysql: 300 sessions \\(${live} live, ${300 - live} expired\\)`, 'm'));
    expect(status.stdout).toMatch(new RegExp(`^memcached: ${live} sessions`, 'm'));

    const gc = await runCli(['sessions', 'gc'], env);
    expect(gc.stdout).toMatch(new RegExp(`deleted ${300 - live} expired sessions`));
  });
});
