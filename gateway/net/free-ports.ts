/**
 * Ports free right now on the host, for grids whose processes must not collide with whatever
 * else listens here (tests, the demo): each is bound, read and released, unique within one call.
 */
import { createServer } from 'node:net';

/** Ports free right now on the host (bound and released; each is unique within the call). */
export async function freePorts(count: number, host = '127.0.0.1'): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once('error', reject);
          server.listen(0, host, () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
