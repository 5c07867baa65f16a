// pool-node: a Node service calling one upstream through http.Agent with
// maxSockets, as apps configure it (Node's own http module, no npm packages).
//
//   node client.js URL MAX_SOCKETS RATE WAIT_MS [RAMP_S]
//
// Requests arrive at RATE per second (after rising from 5% of it over
// RAMP_S). The agent opens at most MAX_SOCKETS connections; the others queue
// inside the process (agent.requests), with the sockets' queues empty, until
// a socket is free. A request that got no socket
// within WAIT_MS is abandoned and logged at ERROR (an acquire timeout); one
// that got a socket is never cancelled in flight. Log lines go to stdout.
'use strict';
const http = require('http');

const [url, maxArg, rateArg, waitArg, rampArg] = process.argv.slice(2);
const ramp = Number(rampArg || 0);
const maxSockets = Number(maxArg), rate = Number(rateArg), waitMs = Number(waitArg);
if (!url || !(maxSockets >= 1) || !(rate > 0) || !(waitMs > 0)) {
  console.error('usage: node client.js URL MAX_SOCKETS RATE WAIT_MS');
  process.exit(2);
}
const agent = new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
const log = (level, msg) => process.stdout.write(`${new Date().toISOString()} ${level} ${msg}\n`);
let id = 0, ok = 0, failed = 0;

function one() {
  const n = ++id;
  let gotSocket = false;
  const req = http.get(url, { agent }, (res) => {
    res.resume();
    res.on('end', () => { ok++; if (res.statusCode >= 400) log('ERROR', `request ${n}: upstream answered ${res.statusCode}`); });
  });
  req.on('socket', () => { gotSocket = true; clearTimeout(timer); });
  req.on('error', (err) => {
    failed++;
    if (!gotSocket) log('ERROR', `request ${n} failed: no socket free in the agent (maxSockets ${maxSockets}) within ${waitMs} ms, ${failed} failed so far`);
    else log('ERROR', `request ${n} failed: ${err.message}`);
  });
  const timer = setTimeout(() => { if (!gotSocket) req.destroy(new Error('acquire timeout')); }, waitMs);
}

log('INFO', `started: maxSockets ${maxSockets}, ${rate} requests/s to ${url}`);
// Arrivals on a schedule, not a fixed interval, so a slow loop does not lower the rate.
const start = Date.now();
let last = start, credit = 0;
setInterval(() => {
  const now = Date.now(), el = (now - start) / 1000;
  const r = el < ramp ? rate * (0.05 + 0.95 * el / ramp) : rate;
  credit += r * (now - last) / 1000;
  last = now;
  while (credit >= 1) { credit--; one(); }
}, 10);
setInterval(() => log('INFO', `${ok} requests ok, ${failed} failed`), 10000);
process.on('SIGTERM', () => process.exit(0));
