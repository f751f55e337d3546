/**
 * A TCP forwarder on loopback that can go silent: while frozen it stops reading on every
 * connection (and holds new ones unconnected), so bytes neither arrive nor bounce and nothing is
 * closed, as when a network drops packets. Thawed, it forwards again; what waited in the kernel's
 * buffers arrives intact, as TCP's retransmissions would deliver it after a heal.
 */
import { type Server, type Socket, connect, createServer } from 'node:net';

export class FreezableProxy {
  private frozen = false;
  private readonly sockets = new Set<Socket>();
  private readonly held: Socket[] = [];

  private constructor(
    private readonly server: Server,
    readonly port: number,
    private readonly targetPort: number,
  ) {
    server.on('connection', (socket) => this.accept(socket));
  }

  static async start(targetPort: number): Promise<FreezableProxy> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    return new FreezableProxy(server, (server.address() as { port: number }).port, targetPort);
  }

  freeze(): void {
    this.frozen = true;
    for (const socket of this.sockets) socket.pause();
  }

  thaw(): void {
    this.frozen = false;
    for (const socket of this.sockets) socket.resume();
    for (const socket of this.held.splice(0)) this.forward(socket);
  }

  async close(): Promise<void> {
    for (const socket of [...this.sockets, ...this.held]) socket.destroy();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private accept(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    if (this.frozen) {
      socket.pause();
      this.held.push(socket);
      return;
    }
    this.forward(socket);
  }

  private forward(downstream: Socket): void {
    const upstream = connect({ host: '127.0.0.1', port: this.targetPort });
    upstream.on('error', () => upstream.destroy());
    for (const [from, to] of [
      [downstream, upstream],
      [upstream, downstream],
    ] as const) {
      this.sockets.add(from);
      from.on('data', (chunk) => to.write(chunk));
      from.on('close', () => {
        this.sockets.delete(from);
        to.destroy();
      });
    }
  }
}
