import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { renderUnisonProfile } from '../../core/unison-profile';
import { lastRun, runReplication, writeProfile } from '../../instance/replication';
import { tempDir } from '../support/emulators';

const ROOT = path.resolve(__dirname, '../..');

async function put(file: string, text: string, mtime?: Date) {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text);
  if (mtime) await utimes(file, mtime, mtime);
}

describe('replication with Unison', () => {
  it('renders a profile with both roots, the content paths, ignores, prefer = newer, batch and a log file', () => {
    const text = renderUnisonProfile({ localBase: '/var/www', master: 'ssh://replserver//srv/www-master', paths: ['samples', 'podcasts'], logFile: '/var/lib/x/unison.log' });
    expect(text).toContain('root = /var/www\nroot = ssh://replserver//srv/www-master\npath = samples\npath = podcasts\n');
    expect(text).toMatch(/^prefer = newer$/m);
    expect(text).toMatch(/^batch = true$/m);
    expect(text).toMatch(/^logfile = \/var\/lib\/x\/unison.log$/m);
    expect(text).toMatch(/^ignore = Name \*\.tmp$/m);
    expect(() => renderUnisonProfile({ localBase: '/a', master: '/b', paths: ['../etc'], logFile: '/l' })).toThrow(/not a content path/);
  });

  it('syncs two folders both ways, the newer edit winning a conflict, skipping ignored files, and records the run', async () => {
    const dir = await tempDir('shelfstack-repl-');
    const web = path.join(dir, 'www');
    const master = path.join(dir, 'master');
    const stateDir = path.join(dir, 'state');
    await put(path.join(web, 'samples', 'B1', 'from-web.mp3'), 'web');
    await put(path.join(master, 'podcasts', 'ep1.mp3'), 'master');
    await put(path.join(web, 'samples', 'upload.tmp'), 'half');
    await put(path.join(web, 'private', 'not-replicated.txt'), 'x');
    await writeProfile(stateDir, { localBase: web, master, paths: ['samples', 'podcasts'], logFile: path.join(stateDir, 'unison.log') });

    const first = await runReplication(stateDir);
    expect(first).toMatchObject({ ok: true, exitCode: 0 });
    expect(await readFile(path.join(master, 'samples', 'B1', 'from-web.mp3'), 'utf8')).toBe('web');
    expect(await readFile(path.join(web, 'podcasts', 'ep1.mp3'), 'utf8')).toBe('master');
    expect(existsSync(path.join(master, 'samples', 'upload.tmp'))).toBe(false);
    expect(existsSync(path.join(master, 'private'))).toBe(false);

    // Both sides change the same file; the newer one wins.
    await put(path.join(web, 'podcasts', 'ep1.mp3'), 'older web edit', new Date(Date.now() - 60_000));
    await put(path.join(master, 'podcasts', 'ep1.mp3'), 'newer master edit', new Date());
    const second = await runReplication(stateDir);
    expect(second.ok).toBe(true);
    expect(await readFile(path.join(web, 'podcasts', 'ep1.mp3'), 'utf8')).toBe('newer master edit');
    expect(existsSync(path.join(stateDir, 'unison.log'))).toBe(true);

    expect(await lastRun(stateDir)).toEqual(second);
    const status = execFileSync(process.execPath, [path.join(ROOT, 'bin/shelfstack.js'), 'replication', 'status'], {
      env: { ...process.env, SHELFSTACK_REPL_STATE_DIR: stateDir },
      encoding: 'utf8',
    });
    expect(status).toMatch(/^replication status: ok; last run /);
  });
});
