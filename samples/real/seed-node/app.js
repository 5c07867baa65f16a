'use strict';
// The seed's service: a scraper that fails ~15-20 times a second and logs each
// failure with winston, shipped to Elasticsearch by winston-elasticsearch with
// its defaults (the seed's setup), plus a JSON log file for casefile --log.
//   node app.js ES_URL LOGFILE
// SEED_RATE (errors per second, default 18) sets the scrape delay.
// SEED_SERVICES (default 1): how many external services it scrapes, each its
// own loop (delay SEED_SERVICES / SEED_RATE s), as the seed's exporter did: all
// the timers that are due run, with their logging, before the event loop next
// polls its sockets.
// SEED_BUFFERING=0 sets winston-elasticsearch's documented `buffering: false`:
// every log record is its own bulk request, sent at once (with buffering, the
// default, records are flushed every 2 s as one bulk, retried on failure).
const winston = require('winston');
const { ElasticsearchTransport } = require('winston-elasticsearch');

const [esUrl, logFile] = process.argv.slice(2);
if (!esUrl || !logFile) {
  console.error('usage: node app.js ES_URL LOGFILE');
  process.exit(2);
}
const rate = Number(process.env.SEED_RATE || 18);
const services = Number(process.env.SEED_SERVICES || 1);

const esTransport = new ElasticsearchTransport({
  level: 'info',
  clientOpts: { node: esUrl },
  buffering: process.env.SEED_BUFFERING !== '0',
});
esTransport.on('error', (e) => console.error('transport error', e.message));
esTransport.on('warning', () => {}); // the seed's app ignored them too

const logger = winston.createLogger({
  level: 'info',
  format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
  transports: [new winston.transports.File({ filename: logFile }), esTransport],
});

// winston re-emits a transport's errors on the logger; without a listener the
// first one would end the process, and the seed's service kept running.
logger.on('error', (e) => console.error('logger error', e.message));

// A scrape of an external service whose answer cannot be parsed.
async function scrape() {
  const payload = '{"metrics": [' + '{"name": "up", "value": 1},'.repeat(20);
  return JSON.parse(payload);
}

// The seed's loop, as written there.
async function exec(asyncFunc, delay) {
  try {
    await asyncFunc();
  } catch (e) {
    logger.error('Error executing', e);
  } finally {
    setTimeout(() => {
      exec(asyncFunc, delay);
    }, delay);
  }
}

for (let i = 0; i < services; i++) exec(scrape, Math.round((1000 * services) / rate));
