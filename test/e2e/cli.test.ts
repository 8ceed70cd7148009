import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { MP3_FRAME_HEADER } from '../../core/mpeg';
import { tempDir } from '../support/emulators';
import { exitOf, runCli, startCli } from '../support/cli';
import { pollUntil } from '../support/poll';
import { REHEARSAL_ROUTES, useIamRoles } from '../support/iam';

// `shelfstack local` and `listing sync` are forked: the rehearsal's calls under their roles, the sync under the web's.
useIamRoles(REHEARSAL_ROUTES, { params: { cluster: 'local', bucket: 'shelfstack-local' } });

describe('the shelfstack command', () => {
  it('lists its verbs with --help and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^usage: shelfstack <command>/);
    for (const verb of ['import', 'listing', 'local']) expect(r.stdout).toContain(`  ${verb}`);
  });

  it.each(['import', 'listing', 'local'])('shows help for %s', async (verb) => {
    const r = await runCli([verb, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`usage: shelfstack ${verb}`);
  });

  it('refuses an unknown verb with one line and exit 2', async () => {
    const r = await runCli(['frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('shelfstack: unknown command "frobnicate" (see shelfstack --help)');
  });

  it('refuses an unknown flag with the verb\'s help and exit 2', async () => {
    const r = await runCli(['listing', 'rebuild', '--frob']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("Unknown option '--frob'");
  });

  it('stops with one line naming the missing variable', async () => {
    const r = await runCli(['listing', 'rebuild'], { SHELFSTACK_BUCKET: '' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('shelfstack listing: SHELFSTACK_BUCKET is required but not set');
  });

  it('takes settings from --config FILE', async () => {
    const dir = await tempDir('shelfstack-cfg-');
    await writeFile(path.join(dir, 'site.env'), 'SHELFSTACK_BUCKET=Not_A_Bucket\n');
    const r = await runCli(['listing', 'rebuild', '--config', path.join(dir, 'site.env')], { SHELFSTACK_BUCKET: '' });
    expect(r.stderr.trim()).toMatch(/^shelfstack listing: SHELFSTACK_BUCKET must be an S3 bucket name/);
  });

  it('runs the local rehearsal, imports and syncs through it, and stops cleanly on Ctrl-C', async () => {
    const dir = await tempDir('shelfstack-npmstart-');
    const { child } = await startCli(['local', '--dir', dir], 'shelfstack local is running');
    try {
      const local = JSON.parse(readFileSync(path.join(dir, 'local.json'), 'utf8'));
      const env = Object.fromEntries(
        readFileSync(path.join(dir, 'local.env'), 'utf8')
          .trim()
          .split('\n')
          .map((l) => l.split(/=(.*)/s).slice(0, 2)),
      );
      expect(env.AWS_ENDPOINT_URL_S3).toBe(local.s3.endpoint);
      const library = path.join(dir, 'library');
      await mkdir(path.join(library, 'CLI1'), { recursive: true });
      await writeFile(path.join(library, 'CLI1', 'a_1.mp3'), Buffer.concat([Buffer.from(MP3_FRAME_HEADER), Buffer.from('mp3')]));
      const imported = await runCli(['import', library, '--quiet'], env);
      expect(imported.stdout).toMatch(/^import: uploaded 1 chunk \(/);
      // The manifest follows from the S3 event through the local listing function; sync until it is there.
      const listing = path.join(dir, 'mirror');
      await pollUntil('the imported book to sync', async () => {
        const synced = await runCli(['listing', 'sync', '--dir', listing, '--quiet'], env);
        expect(synced.code).toBe(0);
        return (await readdir(listing)).includes('CLI1');
      });
      expect(await readdir(path.join(listing, 'CLI1'))).toEqual(['a_1.mp3']);
    } finally {
      child.kill('SIGINT');
    }
    expect(await exitOf(child)).toEqual({ code: 0, signal: null });
  }, 60000);
});
