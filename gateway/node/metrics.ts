/**
 * Prometheus metrics of a gateway node (prom-client), collected when scraped from the same
 * counters the node keeps anyway, served on `GET /metrics` of a plain HTTP listener (loopback by
 * default; the node config's `metricsPort`). The same counters go to the retained MQTT topic
 * node/<index>/counters, so `mosquitto_sub` sees them too.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Gauge, Registry } from 'prom-client';

/** Name -> value, flat: what both the scrape and the counters topic show. */
export type CounterSnapshot = Record<string, number>;

export class NodeMetrics {
  readonly registry = new Registry();
  private server: Server | undefined;

  constructor(private readonly snapshot: () => CounterSnapshot) {
    const names = Object.keys(snapshot());
    for (const name of names) {
      const metric = `gridbid_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
      const read = this.snapshot;
      new Gauge({
        name: metric,
        help: `gridbid node counter ${name}`,
        registers: [this.registry],
        collect() {
          this.set(read()[name] ?? 0);
        },
      });
    }
  }

  /** Serves /metrics on host:port (0: any free port); resolves with the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer((request, response) => {
      if (request.method !== 'GET' || request.url !== '/metrics') {
        response.writeHead(404).end('not found\n');
        return;
      }
      this.registry.metrics().then(
        (text) => response.writeHead(200, { 'content-type': this.registry.contentType }).end(text),
        () => response.writeHead(500).end('metrics failed\n'),
      );
    });
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
