// Configuration the fleet functions read at module load; import this before them.
process.env.SHELFSTACK_CLUSTER = 'main';
process.env.SHELFSTACK_BUCKET = 'shelfstack-test';
process.env.SHELFSTACK_ZONE_ID = 'Z0123456789ABCDEFGHIJ';
process.env.SHELFSTACK_RECORD = 'www.shelfstack.example.';
process.env.SHELFSTACK_LAUNCH_TEMPLATE = 'lt-0abc123def4567890';
process.env.SHELFSTACK_DB_LAUNCH_TEMPLATE = 'lt-0db123def4567890a';
process.env.SHELFSTACK_SCALE_RULES =
  '[{"name":"newsletter","out":"cron(0 6 ? * TUE *)","count":2,"drain":"cron(0 12 ? * TUE *)","timezone":"Europe/London"}]';
delete process.env.SHELFSTACK_HEALTH_PATH;
