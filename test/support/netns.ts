/**
 * A private network of Linux network namespaces for partition tests: one namespace per replica,
 * one veth pair per pair of replicas and one per replica to the root namespace, where the test
 * process (and its load client) runs. Every link can be cut on its own, so a test can isolate a
 * replica or split the set while the client still reaches every replica.
 *
 * Addresses: a /24 of 10.213.0.0/16 not used in the root namespace; replica i is .(i + 1) and
 * the client .100. Each veth end carries its own side's address as a /32 with the other side as
 * its peer (`ip addr add A/32 peer B`), so the only routes are to the other ends of the test's
 * own links: nothing is routed anywhere else, and no namespace has a default route.
 *
 * A cut sets both ends of a link down: each kernel drops its own packets for that peer (the
 * route is gone while the link is down), nothing crosses, and no connection is reset; the
 * processes see silence. A heal sets them up again, which restores the peer routes.
 */
import { spawnSync } from 'node:child_process';

/** A command of iproute2 that failed, with what it printed. */
export class NetnsCommandError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly stderr: string,
  ) {
    super(`ip ${args.join(' ')} failed: ${stderr.trim()}`);
    this.name = 'NetnsCommandError';
  }
}

function ip(args: readonly string[]): string {
  const result = spawnSync('ip', args, { encoding: 'utf8' });
  if (result.error !== undefined) throw new NetnsCommandError(args, result.error.message);
  if (result.status !== 0) throw new NetnsCommandError(args, result.stderr);
  return result.stdout;
}

/** Why namespaces cannot be made here (not root, no `ip`), or undefined when they can. */
export function netnsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return `network namespaces need Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  const version = spawnSync('ip', ['-V'], { encoding: 'utf8' });
  if (version.error !== undefined || version.status !== 0) return 'the ip command (iproute2) is missing';
  return undefined;
}

/** The third octet of a 10.213.x.0/24 that no address or route of the root namespace mentions. */
function freeSubnet(): number {
  const used = ip(['-4', 'addr']) + ip(['-4', 'route', 'show', 'table', 'all']);
  for (let step = 0; step < 250; step++) {
    const octet = 1 + ((process.pid + step) % 250);
    if (!used.includes(`10.213.${octet}.`)) return octet;
  }
  throw new NetnsCommandError(['-4', 'addr'], 'every 10.213.x.0/24 is in use');
}

export class NetnsMesh {
  /** Replica i's address, in its own namespace. */
  readonly hosts: readonly string[];
  readonly clientHost: string;
  private readonly namespaces: string[] = [];
  private readonly rootLinks: string[] = [];
  private readonly down = new Set<string>();
  private closed = false;
  private readonly onExit = (): void => this.close();
  /** Interrupted: clean up, then die of the same signal. */
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.close();
    process.kill(process.pid, signal);
  };

  private constructor(
    readonly n: number,
    readonly name: string,
    subnet: number,
  ) {
    this.hosts = Array.from({ length: n }, (_, index) => `10.213.${subnet}.${index + 1}`);
    this.clientHost = `10.213.${subnet}.100`;
  }

  /** Makes the namespaces and links (all up). Names carry the pid: runs never share them. */
  static create(n: number): NetnsMesh {
    const mesh = new NetnsMesh(n, `gridbid-${process.pid}`, freeSubnet());
    process.once('exit', mesh.onExit);
    process.once('SIGINT', mesh.onSignal);
    process.once('SIGTERM', mesh.onSignal);
    try {
      mesh.build();
    } catch (error) {
      mesh.close();
      throw error;
    }
    return mesh;
  }

  namespaceOf(index: number): string {
    return `${this.name}-r${index}`;
  }

  /** The command prefix that runs a program inside replica `index`'s namespace. */
  prefixOf(index: number): string[] {
    return ['ip', 'netns', 'exec', this.namespaceOf(index)];
  }

  /** Cuts the link between replicas a and b silently (both ends down). */
  cut(a: number, b: number): void {
    this.setLink(a, b, 'down');
    this.down.add(pairKey(a, b));
  }

  heal(a: number, b: number): void {
    this.setLink(a, b, 'up');
    this.down.delete(pairKey(a, b));
  }

  /** Cuts every link between a replica of `left` and one of `right`; returns the pairs cut. */
  split(left: readonly number[], right: readonly number[]): [number, number][] {
    const pairs: [number, number][] = [];
    for (const a of left) for (const b of right) pairs.push([a, b]);
    for (const [a, b] of pairs) this.cut(a, b);
    return pairs;
  }

  /** Cuts `index` from every other replica (not from the client). */
  isolate(index: number): [number, number][] {
    const others = Array.from({ length: this.n }, (_, other) => other).filter((other) => other !== index);
    return this.split([index], others);
  }

  /** Sets every cut link up again. */
  healAll(): void {
    for (const pair of [...this.down]) {
      const [a, b] = pair.split('-').map(Number) as [number, number];
      this.heal(a, b);
    }
  }

  /** Deletes the namespaces (with their links) and the root ends; never throws. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
    for (const link of this.rootLinks) spawnSync('ip', ['link', 'del', link], { encoding: 'utf8' });
    for (const namespace of this.namespaces) spawnSync('ip', ['netns', 'del', namespace], { encoding: 'utf8' });
  }

  private build(): void {
    for (let index = 0; index < this.n; index++) {
      const namespace = this.namespaceOf(index);
      ip(['netns', 'add', namespace]);
      this.namespaces.push(namespace);
      ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
    }
    // Replica pairs: in namespace a the link to b is named r<b>, and the other way round.
    for (let a = 0; a < this.n; a++) {
      for (let b = a + 1; b < this.n; b++) {
        const [na, nb] = [this.namespaceOf(a), this.namespaceOf(b)];
        ip(['-n', na, 'link', 'add', 'name', `r${b}`, 'type', 'veth', 'peer', 'name', `r${a}`, 'netns', nb]);
        this.address(na, `r${b}`, this.hosts[a]!, this.hosts[b]!);
        this.address(nb, `r${a}`, this.hosts[b]!, this.hosts[a]!);
      }
    }
    // Client links: gb<pid>c<i> in the root namespace, "client" in replica i's.
    for (let index = 0; index < this.n; index++) {
      const rootLink = `gb${process.pid}c${index}`;
      ip(['link', 'add', 'name', rootLink, 'type', 'veth', 'peer', 'name', 'client', 'netns', this.namespaceOf(index)]);
      this.rootLinks.push(rootLink);
      this.address(undefined, rootLink, this.clientHost, this.hosts[index]!);
      this.address(this.namespaceOf(index), 'client', this.hosts[index]!, this.clientHost);
    }
  }

  /** Gives a link end its side's address with the other end as peer, and sets it up. */
  private address(namespace: string | undefined, link: string, local: string, peer: string): void {
    const scope = namespace === undefined ? [] : ['-n', namespace];
    ip([...scope, 'addr', 'add', `${local}/32`, 'peer', `${peer}/32`, 'dev', link]);
    ip([...scope, 'link', 'set', link, 'up']);
  }

  private setLink(a: number, b: number, state: 'up' | 'down'): void {
    ip(['-n', this.namespaceOf(a), 'link', 'set', `r${b}`, state]);
    ip(['-n', this.namespaceOf(b), 'link', 'set', `r${a}`, state]);
  }
}

const pairKey = (a: number, b: number): string => (a < b ? `${a}-${b}` : `${b}-${a}`);
