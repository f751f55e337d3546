/**
 * Every aggregator's status on every gateway: each node sends its own status view to its peers
 * over the replica links (a `node-status` frame, like the authority relay's) and republishes what
 * it hears, retained, on its own broker's node/<j>/status. A peer heard of for longer than
 * `staleMs` is republished as `unreachable` (the last status it sent, marked), which is what a
 * broker's Last Will would say if the meters' broker were not the node itself.
 */
import type { NodeStatusView } from './node-status.js';

export interface StatusGossipDependencies {
  readonly self: number;
  readonly replicas: number;
  readonly sendTo: (to: number, frame: unknown) => void;
  readonly publish: (index: number, json: string) => void;
  readonly nowMs: () => number;
  readonly staleMs: number;
}

interface Heard {
  readonly status: Record<string, unknown>;
  readonly atMs: number;
  unreachable: boolean;
}

export function isStatusFrame(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { type?: unknown }).type === 'node-status';
}

export class StatusGossip {
  private readonly heard = new Map<number, Heard>();

  constructor(private readonly deps: StatusGossipDependencies) {}

  /** This node's own status: published here and sent to every peer. */
  own(status: NodeStatusView): void {
    const json = JSON.stringify(status);
    this.deps.publish(this.deps.self, json);
    for (let to = 0; to < this.deps.replicas; to++) {
      if (to !== this.deps.self) this.deps.sendTo(to, { type: 'node-status', status });
    }
    this.sweep();
  }

  /** A status frame from replica `from`: only its own status is taken, checked for shape. */
  receive(from: number, value: unknown): void {
    const status = (value as { status?: unknown }).status;
    if (typeof status !== 'object' || status === null || Array.isArray(status)) return;
    const view = status as Record<string, unknown>;
    if (view.index !== from || (view.state !== 'online' && view.state !== 'offline')) return;
    const json = JSON.stringify(view);
    if (json.length > 4_096) return;
    this.heard.set(from, { status: view, atMs: this.deps.nowMs(), unreachable: false });
    this.deps.publish(from, json);
  }

  private sweep(): void {
    const now = this.deps.nowMs();
    for (const [index, heard] of this.heard) {
      if (heard.unreachable || now - heard.atMs <= this.deps.staleMs) continue;
      heard.unreachable = true;
      this.deps.publish(index, JSON.stringify({ ...heard.status, state: 'unreachable', lastHeardMs: heard.atMs }));
    }
  }
}
