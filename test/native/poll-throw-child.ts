// Run by io.test.ts: a readable listener that throws must surface as an
// uncaught exception of the process, as any other event-loop callback's would.

import { getGen, openSocket } from './util.js';

const s = openSocket();
const timer = setTimeout(() => {
  process.stdout.write('no exception within 5 s');
  process.exit(3);
}, 5000);
process.on('uncaughtException', (e) => {
  clearTimeout(timer);
  s.close();
  process.stdout.write(`uncaught: ${(e as Error).message}`);
});
s.startPolling(() => {
  throw new Error('boom from the listener');
});
s.send(getGen().msg);
