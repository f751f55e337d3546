/**
 * The inner map of a two-level map, made on first use: votes by height then replica,
 * checkpoints by sequence number then replica, view changes by replica then view.
 */
export function innerMap<K, L, V>(outer: Map<K, Map<L, V>>, key: K): Map<L, V> {
  let inner = outer.get(key);
  if (inner === undefined) {
    inner = new Map();
    outer.set(key, inner);
  }
  return inner;
}
