/**
 * Who may publish and subscribe where, by session (DESIGN 7; topics of `shared/protocol/topics`).
 *
 *   enrolling          publishes its own meter/<id>/enrol; subscribes its own meter/<id>/inbox only
 *   meter              publishes its own meter/<id>/enrol and meter/<id>/rm; subscribes its own
 *                      meter/<id>/inbox and public filters
 *   pseudonym          publishes its own pseudonym/<pid>/mm and pseudonym/<pid>/ledger; subscribes
 *                      its own pseudonym/<pid>/inbox and public filters
 *   operator, trustee  publish operator/commands; subscribe operator/results, operator/enrolments,
 *                      operator/disputes and public filters
 *   monitor, public    publish nothing; subscribe public filters only
 *   gateway            publishes and subscribes anything under the grid root
 *
 * A public filter lies inside market/, chain/ or node/ of this grid: wildcards only below that
 * level, so `gridbid/v1/<grid>/#`, `#`, `+/...` and `$SYS/#` are refused. Nobody but the gateway
 * publishes market, chain, node or inbox topics, or anything of another identity.
 */
import type { GridTopics } from '../../shared/protocol/topics.js';
import type { Session } from './session.js';

const publicFamilies = new Set(['market', 'chain', 'node']);

export class TopicAcl {
  constructor(readonly topics: GridTopics) {}

  /** May `session` publish to `topic` (a topic name, never a filter)? */
  mayPublish(session: Session, topic: string): boolean {
    if (isGatewaySession(session)) return this.underRoot(topic) && !hasWildcard(topic);
    const parsed = this.topics.parse(topic);
    if (parsed === undefined) return false;
    switch (session.kind) {
      case 'enrolling':
        return parsed.family === 'meter' && parsed.meterId === session.meterId && parsed.channel === 'enrol';
      case 'meter':
        return (
          parsed.family === 'meter' &&
          parsed.meterId === session.meterId &&
          (parsed.channel === 'enrol' || parsed.channel === 'rm')
        );
      case 'pseudonym':
        return (
          parsed.family === 'pseudonym' &&
          parsed.pid === session.pid &&
          (parsed.channel === 'mm' || parsed.channel === 'ledger')
        );
      case 'service':
        return (
          (session.role === 'operator' || session.role === 'trustee') &&
          parsed.family === 'operator' &&
          parsed.channel === 'commands'
        );
      case 'public':
        return false;
    }
  }

  /** May `session` subscribe to `filter` (which may hold wildcards)? */
  maySubscribe(session: Session, filter: string): boolean {
    if (!isValidFilter(filter)) return false;
    if (isGatewaySession(session)) return this.underRoot(filter);
    switch (session.kind) {
      case 'enrolling':
        return filter === this.topics.meter(session.meterId, 'inbox');
      case 'meter':
        return filter === this.topics.meter(session.meterId, 'inbox') || this.isPublicFilter(filter);
      case 'pseudonym':
        return filter === this.topics.pseudonym(session.pid, 'inbox') || this.isPublicFilter(filter);
      case 'service':
        return (
          ((session.role === 'operator' || session.role === 'trustee') &&
            (filter === this.topics.operatorResults() ||
              filter === this.topics.operatorEnrolments() ||
              filter === this.topics.operatorDisputes())) ||
          this.isPublicFilter(filter)
        );
      case 'public':
        return this.isPublicFilter(filter);
    }
  }

  /** A filter within market/, chain/ or node/ of this grid, wildcards only below that level. */
  isPublicFilter(filter: string): boolean {
    if (!isValidFilter(filter) || !this.underRoot(filter)) return false;
    const [family, ...rest] = filter.slice(this.topics.root.length + 1).split('/');
    return family !== undefined && publicFamilies.has(family) && rest.length > 0;
  }

  /** Starts with the grid root's own levels (which hold no wildcard) and goes below it. */
  private underRoot(topicOrFilter: string): boolean {
    return topicOrFilter.startsWith(`${this.topics.root}/`) && topicOrFilter.length > this.topics.root.length + 1;
  }
}

function isGatewaySession(session: Session): boolean {
  return session.kind === 'service' && session.role === 'gateway';
}

function hasWildcard(topic: string): boolean {
  return topic.includes('+') || topic.includes('#');
}

/**
 * An MQTT filter: non-empty, `+` only as a whole level, `#` only as the whole last level, no
 * NUL. (Aedes checks this too; the ACL does not rely on it.)
 */
export function isValidFilter(filter: string): boolean {
  if (filter.length === 0 || filter.includes('\u0000')) return false;
  const levels = filter.split('/');
  return levels.every((level, index) => {
    if (level.includes('#')) return level === '#' && index === levels.length - 1;
    if (level.includes('+')) return level === '+';
    return true;
  });
}
