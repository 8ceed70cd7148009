// A real memcached per test file, on a random loopback port (scripts/requirements.js installs it).
export { startMemcached, type MemcachedProcess as Memcached } from '../../cli/local/memcached';
