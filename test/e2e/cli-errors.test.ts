import { runCli } from '../support/cli';

// Errors a newcomer meets first (issue 12): each is one line that says what to fix.
const NO_AWS_FILES = { AWS_CONFIG_FILE: '/nonexistent/config', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/credentials', AWS_PROFILE: '' };
const CLOSED_PORT = 'http://127.0.0.1:9';

describe('the shelfstack command, when something is wrong', () => {
  it('prints its usage to stderr and exits 2 when no verb is given', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^usage: shelfstack <command>/);
  });

  it('answers an argument error with one line and a pointer to --help, not the whole help', async () => {
    const r = await runCli(['listing', 'rebuild', '--frob']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toEqual([expect.stringMatching(/^shelfstack listing: Unknown option '--frob'.*\(see shelfstack listing --help\)$/)]);
  });

  it('says what is wrong with a negative --ttl', async () => {
    const r = await runCli(['sign', 'B1/a_1.mp3', '--ttl', '-5'], { SHELFSTACK_SIGNING_KEY: 'k'.repeat(32) });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('shelfstack sign: --ttl must be a whole number at least 1 (got "-5") (see shelfstack sign --help)');
  });

  it('never prints a short signing key back', async () => {
    const r = await runCli(['sign', 'B1/a_1.mp3'], { SHELFSTACK_SIGNING_KEY: 'hunter2' });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('shelfstack sign: SHELFSTACK_SIGNING_KEY must be at least 16 characters');
  });

  it('lists every missing variable of web at once', async () => {
    const r = await runCli(['web', '--check'], { SHELFSTACK_BUCKET: '', SHELFSTACK_LISTING_DIR: '', SHELFSTACK_CACHE_DIR: '', SHELFSTACK_CACHE_MAX_BYTES: '', SHELFSTACK_CACHE_MAX_AGE: '', SHELFSTACK_SIGNING_KEY: '' });
    expect(r.code).toBe(1);
    for (const name of ['SHELFSTACK_BUCKET', 'SHELFSTACK_LISTING_DIR', 'SHELFSTACK_CACHE_DIR', 'SHELFSTACK_CACHE_MAX_BYTES', 'SHELFSTACK_SIGNING_KEY']) {
      expect(r.stderr).toContain(`  ${name} is required but not set`);
    }
    // SHELFSTACK_CACHE_MAX_AGE has its default (7d).
    expect(r.stderr).not.toContain('SHELFSTACK_CACHE_MAX_AGE');
  });

  it('names AWS_REGION when the region is missing', async () => {
    const r = await runCli(['listing', 'rebuild'], { ...NO_AWS_FILES, AWS_REGION: undefined, SHELFSTACK_BUCKET: 'books-test', AWS_ENDPOINT_URL_S3: CLOSED_PORT });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^shelfstack listing: no AWS region: set AWS_REGION/);
  });

  it('names the credentials when there are none', async () => {
    const r = await runCli(['listing', 'rebuild'], {
      ...NO_AWS_FILES,
      AWS_ACCESS_KEY_ID: '',
      AWS_SECRET_ACCESS_KEY: '',
      AWS_SESSION_TOKEN: '',
      SHELFSTACK_BUCKET: 'books-test',
      AWS_ENDPOINT_URL_S3: CLOSED_PORT,
    });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^shelfstack listing: no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/);
  });

  it('names the endpoint that does not answer', async () => {
    const r = await runCli(['listing', 'rebuild'], { SHELFSTACK_BUCKET: 'books-test', AWS_ENDPOINT_URL_S3: CLOSED_PORT });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^shelfstack listing: nothing answers at 127\.0\.0\.1:9 \(ECONNREFUSED\): is the rehearsal \(npm start\) running/);
  });

  it.each(['import', 'listing', 'sign', 'web', 'plan', 'status', 'provision', 'doctor', 'local'])('mentions --config FILE in the help of %s', async (verb) => {
    const r = await runCli([verb, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.match(/--config FILE/g)).toHaveLength(1);
  });
});
