/**
 * Moddable's `Resource` (also typed in the SDK's `typings/Resource.d.ts`): read-only data files
 * linked into the firmware image by the manifest's `data`/`resources`.
 */
declare module 'Resource' {
  class Resource {
    constructor(path: string);
    static exists(path: string): boolean;
    readonly byteLength: number;
    slice(begin: number, end?: number): ArrayBuffer;
  }
  export { Resource as default };
}
