<?php
// Reads SESSION_ID through whatever session.save_handler the command line sets (memcached, for
// the migration tests) and prints base64(serialize($_SESSION)), or EMPTY when there is none.
ini_set('session.use_cookies', '0');
ini_set('session.use_strict_mode', '0');
session_id(getenv('SESSION_ID'));
if (!session_start(['read_and_close' => true])) { fwrite(STDERR, "session_start failed\n"); exit(1); }
echo $_SESSION ? base64_encode(serialize($_SESSION)) : 'EMPTY';
