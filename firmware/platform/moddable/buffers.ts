/**
 * Moddable's natives take ArrayBuffers, not views: the MQTT client even turns a Uint8Array into
 * a string. This hands them exactly the bytes of a view.
 */

/** An ArrayBuffer holding exactly these bytes (the view's own buffer when it spans all of it). */
export function exactArrayBuffer(bytes: Uint8Array): ArrayBuffer {
  const buffer = bytes.buffer;
  if (buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength) return buffer;
  return bytes.slice().buffer as ArrayBuffer;
}
