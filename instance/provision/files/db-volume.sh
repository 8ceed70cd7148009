#!/bin/sh
# shelfstack-db-volume: waits for the MySQL data volume (the db slot's reconciler attaches it once
# this instance runs), formats it only when it is blank, mounts it at /srv/mysql by its label, and
# gives a new volume a fresh data directory. A reattached volume is used as it is.
set -eu
LABEL=mysqldata
MOUNT=${SHELFSTACK_DB_MOUNT:-/srv/mysql}
DEVICE_HINT=${SHELFSTACK_DB_DEVICE:-/dev/sdf}
# Where a new, blank volume may show up: the attach device, or an NVMe name on Nitro.
CANDIDATES=${SHELFSTACK_DB_CANDIDATES:-"$DEVICE_HINT /dev/nvme[0-9]*n1 /dev/xvd[b-z]"}

# An attached EBS disk with no filesystem and no partitions (never the root disk, never instance storage).
blank_ebs_disk() {
  for dev in $CANDIDATES; do
    [ -b "$dev" ] || continue
    real=$(readlink -f "$dev")
    model=/sys/block/$(basename "$real")/device/model
    if [ -r "$model" ] && ! grep -q 'Elastic Block Store' "$model"; then continue; fi
    [ "$(lsblk -nro NAME "$real" | wc -l)" -eq 1 ] || continue
    blkid -p "$real" >/dev/null 2>&1 && continue
    echo "$real"
    return 0
  done
  return 1
}

waited=0
until dev=$(blkid -L "$LABEL"); do
  if new=$(blank_ebs_disk); then
    echo "shelfstack-db-volume: formatting the new volume $new as $LABEL"
    mkfs.ext4 -q -L "$LABEL" "$new"
    udevadm settle 2>/dev/null || true
    continue
  fi
  [ $((waited % 30)) -eq 0 ] && echo "shelfstack-db-volume: waiting for the volume labelled $LABEL (${waited}s)"
  sleep 2
  waited=$((waited + 2))
done

install -d "$MOUNT"
mountpoint -q "$MOUNT" || mount -o defaults,noatime "$dev" "$MOUNT"
install -d -o mysql -g mysql -m 0750 "$MOUNT/data"
if [ ! -d "$MOUNT/data/mysql" ]; then
  echo "shelfstack-db-volume: a new data directory on $dev"
  mariadb-install-db --user=mysql --datadir="$MOUNT/data" --skip-test-db --auth-root-authentication-method=socket
fi
