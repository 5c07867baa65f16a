'use strict';
// A local fake Elasticsearch 7 for the seed scenario: node's http module only.
//   node fake-es.js MODE PORTFILE STATSFILE
// MODE: healthy (bulk answered at once, no errors); slow (bulk answered, fine,
// after FAKE_ES_DELAY_MS, default 45000: longer than the client's 30 s request
// timeout); error (bulk answered with HTTP 503 and an error body after
// FAKE_ES_DELAY_MS, default 1000, as a struggling cluster does, so the shipper
// keeps its buffer and retries it).
// Listens on 127.0.0.1 port 0 (the kernel's choice), writes the port to
// PORTFILE, and counts what it received: GET /_stats answers
// {"requests":N,"bulk_requests":N,"bulk_docs":N,"bytes_read":N,"bytes_written":N}
// (bytes as the sockets counted them, headers included, open and closed
// connections together) and the same JSON, with "time_ms", is rewritten to
// STATSFILE (temp file + rename) once a second and appended, one line a
// second, to STATSFILE.log (the series a test interpolates at a capture's ticks).
const http = require('http');
const fs = require('fs');

const [mode, portFile, statsFile] = process.argv.slice(2);
if (!['healthy', 'slow', 'error'].includes(mode) || !portFile || !statsFile) {
  console.error('usage: node fake-es.js healthy|slow|error PORTFILE STATSFILE');
  process.exit(2);
}
const delayMs = Number(process.env.FAKE_ES_DELAY_MS || (mode === 'slow' ? 45000 : 1000));
const stats = { requests: 0, bulk_requests: 0, bulk_docs: 0, bytes_read: 0, bytes_written: 0 };
const open = new Set();
let closedRead = 0;
let closedWritten = 0;
function snapshot() {
  let r = closedRead;
  let w = closedWritten;
  for (const s of open) { r += s.bytesRead; w += s.bytesWritten; }
  stats.bytes_read = r;
  stats.bytes_written = w;
  return Object.assign({ time_ms: Date.now() }, stats);
}

function writeAtomic(path, text) {
  const tmp = path + '.tmp';
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, path);
}

// The 7.x client checks this header on every response (product check).
function send(res, status, body) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'x-elastic-product': 'Elasticsearch',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

const server = http.createServer((req, res) => {
  let lines = 0;
  stats.requests++;
  req.on('data', (chunk) => {
    for (const b of chunk) if (b === 10) lines++;
  });
  req.on('end', () => {
    const path = req.url.split('?')[0];
    if (path === '/_stats') return send(res, 200, snapshot());
    if (path === '/')
      return send(res, 200, { name: 'fake', cluster_name: 'fake', version: { number: '7.17.0', build_flavor: 'default' }, tagline: 'You Know, for Search' });
    if (path.startsWith('/_cluster/health'))
      return send(res, 200, { cluster_name: 'fake', status: 'green', number_of_nodes: 1 });
    if (path.startsWith('/_index_template') || path.startsWith('/_template'))
      return send(res, 200, { acknowledged: true });
    if (path.endsWith('/_bulk')) {
      stats.bulk_requests++;
      const docs = Math.floor(lines / 2);
      stats.bulk_docs += docs;
      if (mode === 'error')
        return void setTimeout(() => send(res, 503, { error: { type: 'cluster_block_exception', reason: 'index [logs] blocked by: [SERVICE_UNAVAILABLE/2/no master]' }, status: 503 }), delayMs);
      const items = [];
      for (let i = 0; i < docs; i++) items.push({ index: { _index: 'logs', status: 201, result: 'created' } });
      const answer = () => send(res, 200, { took: 1, errors: false, items });
      if (mode === 'slow') return void setTimeout(answer, delayMs);
      return answer();
    }
    send(res, 200, { acknowledged: true });
  });
});
server.on('connection', (s) => {
  open.add(s);
  s.on('close', () => { closedRead += s.bytesRead; closedWritten += s.bytesWritten; open.delete(s); });
});
server.keepAliveTimeout = 0; // keep client connections open as long as they are
server.headersTimeout = 0;
server.requestTimeout = 0;
server.listen(0, '127.0.0.1', () => {
  writeAtomic(portFile, String(server.address().port) + '\n');
});
// The log of counters starts at once (all zero): a capture that begins
// within the first second is still spanned by it.
function logStats() {
  const line = JSON.stringify(snapshot()) + '\n';
  writeAtomic(statsFile, line);
  fs.appendFileSync(statsFile + '.log', line);
}
logStats();
setInterval(logStats, 1000);
process.on('SIGTERM', () => {
  writeAtomic(statsFile, JSON.stringify(snapshot()) + '\n');
  process.exit(0);
});
