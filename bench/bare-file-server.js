'use strict';
// The bare Node reference of the hit benchmark: files under argv[2] on 127.0.0.1:argv[3],
// `fs.createReadStream` (1 MiB reads) piped into the response. Nothing else.
const http = require('node:http');
const fs = require('node:fs');
const path = require('node:path');

const [root, port] = process.argv.slice(2);
http
  .createServer((req, res) => {
    const file = path.join(root, decodeURIComponent(req.url.split('?')[0]));
    fs.stat(file, (err, st) => {
      if (err || !file.startsWith(root)) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Length': String(st.size), 'Content-Type': 'audio/mpeg' });
      fs.createReadStream(file, { highWaterMark: 1024 * 1024 }).pipe(res);
    });
  })
  .listen(Number(port), '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
