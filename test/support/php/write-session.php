<?php
// Writes one session through MySQL, as the store does: SESSION_ID, with binary data, unicode and
// nested values; prints base64(serialize($_SESSION)) for the test to compare with what PHP reads.
require __DIR__ . '/mysql-sessions.php';
$db = new PDO(getenv('DSN'), 'root', '', [PDO::ATTR_ERRMODE => PDO::ERRMODE_EXCEPTION]);
session_set_save_handler(new MysqlSessionHandler($db, getenv('TABLE')), true);
session_id(getenv('SESSION_ID'));
session_start();
$_SESSION['customer'] = (int) getenv('CUSTOMER');
$_SESSION['name'] = 'Zoë Brontë — 🎧 «Hörbuch» 日本語';
$_SESSION['bytes'] = implode('', array_map('chr', range(0, 255))) . "\0|;\"\r\n";
$_SESSION['cart'] = ['B1' => ['file' => 'a b+c_1.mp3', 'qty' => 2], 'total' => 12.5, 'gift' => true, 'note' => null];
session_write_close();
echo base64_encode(serialize($_SESSION));
