<?php
// The store's kind of session handler: PHP sessions in a MySQL table (id, data, access), through
// PDO. The sessions tests write sessions with it, as the store's pages do, before migrating them.
final class MysqlSessionHandler implements SessionHandlerInterface
{
    public function __construct(private PDO $db, private string $table) {}
    public function open(string $path, string $name): bool { return true; }
    public function close(): bool { return true; }
    public function read(string $id): string|false
    {
        $q = $this->db->prepare("SELECT data FROM {$this->table} WHERE id = ?");
        $q->execute([$id]);
        $data = $q->fetchColumn();
        return $data === false ? '' : $data;
    }
    public function write(string $id, string $data): bool
    {
        $q = $this->db->prepare("INSERT INTO {$this->table} (id, data, access) VALUES (?, ?, ?)
            ON DUPLICATE KEY UPDATE data = VALUES(data), access = VALUES(access)");
        $q->bindValue(1, $id);
        $q->bindValue(2, $data, PDO::PARAM_LOB);
        $q->bindValue(3, time(), PDO::PARAM_INT);
        return $q->execute();
    }
    public function destroy(string $id): bool
    {
        return $this->db->prepare("DELETE FROM {$this->table} WHERE id = ?")->execute([$id]);
    }
    public function gc(int $max): int|false
    {
        $q = $this->db->prepare("DELETE FROM {$this->table} WHERE access < ?");
        $q->execute([time() - $max]);
        return $q->rowCount();
    }
}
