/** The primary of a view: replicas take turns, view v is led by replica v mod n (Castro & Liskov). */
export function primaryOf(view: number, n: number): number {
  return view % n;
}
