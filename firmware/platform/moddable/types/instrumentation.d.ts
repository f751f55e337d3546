/**
 * Moddable's `instrumentation` module (`modules/base/instrumentation`): counters by name. In a
 * build without instrumentation (a release build without `-i`) its natives return undefined.
 */
declare module 'instrumentation' {
  class Instrumentation {
    private constructor();
    static get(what: number): number | undefined;
    static map(name: string): number | undefined;
    static name(index: number): string | undefined;
  }
  export { Instrumentation as default };
}
