// Prints the generator's nft text (the same role as gen_kubeproxy.py):
//   node dist/bench/workload/cli.js [--services N] [--endpoints K] [--shape v135|v136]
//        bootstrap | churn | churn-cleanup | add | delete  [--first F] [--count M]

import { parseArgs } from 'node:util';
import { addServices, bootstrap, churn, churnCleanup, deleteServices, deleteServicesCleanup } from './generate.js';
import { TextSink } from './sink.js';
import type { Shape } from './model.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    services: { type: 'string', short: 'n', default: '1000' },
    endpoints: { type: 'string', short: 'k', default: '10' },
    shape: { type: 'string', default: 'v135' },
    first: { type: 'string', default: '0' },
    count: { type: 'string', default: '1' },
  },
});
const o = { services: Number(values.services), endpoints: Number(values.endpoints), shape: values.shape as Shape };
if (o.shape !== 'v135' && o.shape !== 'v136') throw new Error('--shape is v135 or v136');
const first = Number(values.first);
const count = Number(values.count);
const out = new TextSink();
switch (positionals[0] ?? 'bootstrap') {
  case 'bootstrap': bootstrap(o, out); break;
  case 'churn': churn(o, out, first, count); break;
  case 'churn-cleanup': churnCleanup(o, out, first, count); break;
  case 'add': addServices(o, out, first, count); break;
  case 'delete': deleteServices(o, out, first, count); break;
  case 'delete-cleanup': deleteServicesCleanup(o, out, first, count); break;
  default: throw new Error(`unknown mode ${positionals[0]}`);
}
process.stdout.write(out.text());
