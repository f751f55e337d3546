/**
 * `mc/config`: the manifest's `config` object with the mcconfig command line's `key=value`
 * pairs merged in (also typed, loosely, in the SDK's `typings/mc/config.d.ts`). Command-line
 * values arrive as strings.
 */
declare module 'mc/config' {
  const config: Record<string, unknown>;
  export { config as default };
}
