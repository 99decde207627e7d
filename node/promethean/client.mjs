// The client of `promethean serve` (docs/SERVE.md), for a browser page and for Node: connect to a
// server's URL, then call, evaluate and send messages to its runtimes, and export functions they
// call. Buffers (TypedArrays, ArrayBuffers) travel as binary frames. An ES module with no
// dependency in a browser; in Node 18 (no global WebSocket) it uses the `ws` package from npm, or
// the WebSocket class given as `options.WebSocket`.

const FORMATS = new Map([
  [Int8Array, 'int8'], [Uint8Array, 'uint8'], [Uint8ClampedArray, 'uint8'], [Int16Array, 'int16'],
  [Uint16Array, 'uint16'], [Int32Array, 'int32'], [Uint32Array, 'uint32'], [Float32Array, 'float32'],
  [Float64Array, 'float64'], [BigInt64Array, 'int64'], [BigUint64Array, 'uint64'],
]);
const ARRAYS = {
  int8: Int8Array, uint8: Uint8Array, int16: Int16Array, uint16: Uint16Array, int32: Int32Array,
  uint32: Uint32Array, float32: Float32Array, float64: Float64Array, int64: BigInt64Array, uint64: BigUint64Array,
};

/** An error a runtime (or the server) raised: `.runtime`, `.type`, `.message`, `.trace`. */
export class ForeignError extends Error {
  constructor(envelope) {
    const e = envelope && typeof envelope === 'object' ? envelope : { message: String(envelope) };
    super(`${e.runtime ?? 'serve'} ${e.type ?? 'Error'}: ${e.message ?? ''}`);
    this.name = 'ForeignError';
    this.runtime = e.runtime ?? 'serve';
    this.type = e.type ?? 'Error';
    this.foreignMessage = e.message ?? '';
    this.trace = e.trace ?? '';
  }
}

/** `data` (a TypedArray) with the shape it is sent with: `tensor(pixels, [h, w, 4])`. Buffers that
 * come back carry their `.shape` (and `.bufferType`) the same way. */
export function tensor(data, shape) {
  if (!ArrayBuffer.isView(data) || data instanceof DataView) throw new TypeError('tensor(data, shape): data is a TypedArray');
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`tensor: shape [${shape}] holds ${count} elements, the array ${data.length}`);
  Object.defineProperty(data, 'shape', { value: [...shape], configurable: true });
  return data;
}

async function defaultWebSocket() {
  if (typeof globalThis.WebSocket === 'function') return globalThis.WebSocket;
  try {
    return (await import('ws')).default;
  } catch (first) {
    // NODE_PATH is not read by import(); require is, for a `ws` installed beside the program's.
    try {
      const { createRequire } = await import('node:module');
      return createRequire(import.meta.url)('ws');
    } catch {
      throw new Error("promethean client: no WebSocket class: this Node has no global WebSocket and the 'ws' " +
                      `package is not installed (npm install ws), or pass {WebSocket} to connect() (${first.message})`);
    }
  }
}

function isBinary(value) {
  return value instanceof ArrayBuffer || (ArrayBuffer.isView(value) && !(value instanceof DataView));
}

/** A binary frame: 4-byte little-endian header length, the JSON header padded with spaces so that
 * the data starts on an 8-byte boundary, then the bytes. */
function encodeBinary(ref, value) {
  const view = value instanceof ArrayBuffer ? new Uint8Array(value) : value;
  const format = FORMATS.get(view.constructor);
  if (!format) throw new TypeError(`promethean client: cannot send a ${view.constructor.name}`);
  const shape = view.shape ?? [view.length];
  const header = { ref, format, shape };
  if (view.bufferType) header.type = view.bufferType;
  let text = JSON.stringify(header);
  text += ' '.repeat((8 - ((4 + text.length) % 8)) % 8);
  const headerBytes = new TextEncoder().encode(text);
  const frame = new Uint8Array(4 + headerBytes.length + view.byteLength);
  new DataView(frame.buffer).setUint32(0, headerBytes.length, true);
  frame.set(headerBytes, 4);
  frame.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), 4 + headerBytes.length);
  return frame;
}

function decodeBinary(buffer) {
  const length = new DataView(buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, length)));
  const Array_ = ARRAYS[header.format];
  const count = header.shape.reduce((a, b) => a * b, 1);
  const array = new Array_(buffer, 4 + length, count);
  Object.defineProperty(array, 'shape', { value: header.shape, configurable: true });
  if (header.type) Object.defineProperty(array, 'bufferType', { value: header.type, configurable: true });
  return [header.ref, array];
}

/** Connects to `url` (`ws://127.0.0.1:PORT/?token=…`, as the server printed it). Options:
 * `name`: the runtime name this client takes, so that runtimes can call what it exports;
 * `WebSocket`: the class to use (default: the global one, or the `ws` package in Node);
 * `wsOptions`: passed to the `ws` package's constructor (e.g. headers). Resolves once connected
 * (and named). */
export async function connect(url, options = {}) {
  const WebSocketClass = options.WebSocket ?? await defaultWebSocket();
  const socket = options.wsOptions ? new WebSocketClass(url, options.wsOptions) : new WebSocketClass(url);
  socket.binaryType = 'arraybuffer';

  let nextId = 1;
  let nextRef = 1;
  const waiting = new Map();   // our requests' ids → {resolve, reject}
  const exported = new Map();  // function name → fn
  const received = new Map();  // binary frames waiting for their text frame
  let messageHandler = null;
  let closedWith = null;

  function sendWithBuffers(object, key, value) {
    const frames = [];
    const walk = (v) => {
      if (isBinary(v)) {
        const ref = `r${nextRef++}`;
        frames.push(encodeBinary(ref, v));
        return { _type: 'Buffer', ref };
      }
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      return v;
    };
    if (key !== undefined) object[key] = walk(value);
    for (const f of frames) socket.send(f);
    socket.send(JSON.stringify(object));
  }

  function request(object, key, value) {
    if (closedWith) return Promise.reject(closedWith);
    const id = nextId++;
    object.id = id;
    return new Promise((resolve, reject) => {
      waiting.set(id, { resolve, reject });
      try {
        sendWithBuffers(object, key, value);
      } catch (e) {
        waiting.delete(id);
        reject(e);
      }
    });
  }

  function resolveRefs(value) {
    if (Array.isArray(value)) return value.map(resolveRefs);
    if (value && typeof value === 'object') {
      if (value._type === 'Buffer' && typeof value.ref === 'string' && received.has(value.ref)) return received.get(value.ref);
      return Object.fromEntries(Object.entries(value).map(([k, x]) => [k, resolveRefs(x)]));
    }
    return value;
  }

  async function answer(msg) {
    const reply = { op: 'result', id: msg.id };
    try {
      let result;
      if (msg.op === 'call') {
        const fn = exported.get(msg.function);
        if (!fn) throw Object.assign(new Error(`this client exports no function '${msg.function}'`), { name: 'NameError' });
        result = await fn(...(msg.args ?? []));
      } else {
        result = messageHandler ? await messageHandler(msg.payload) : null;
      }
      sendWithBuffers(reply, 'result', result === undefined ? null : result);
    } catch (e) {
      reply.error = { type: e?.name ?? 'Error', message: e?.message ?? String(e), trace: e?.stack ?? '' };
      sendWithBuffers(reply);
    }
  }

  function onFrame(data) {
    if (typeof data !== 'string') {
      const [ref, array] = decodeBinary(data instanceof ArrayBuffer ? data : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
      received.set(ref, array);
      return;
    }
    const msg = JSON.parse(data);
    const resolved = resolveRefs(msg);
    received.clear();  // binary frames belong to the text frame that follows them
    if (resolved.op === 'call' || resolved.op === 'message') {
      answer(resolved);
      return;
    }
    const pending = waiting.get(resolved.id);
    if (!pending) {
      if (resolved.error) console.error('promethean client:', new ForeignError(resolved.error).message);
      return;
    }
    waiting.delete(resolved.id);
    if (resolved.error) pending.reject(new ForeignError(resolved.error));
    else pending.resolve(resolved.result);
  }

  await new Promise((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = (event) => reject(new Error(`promethean client: cannot connect to ${url.replace(/token=[^&]*/, 'token=…')}` +
                                                  (event?.message ? `: ${event.message}` : '')));
  });
  socket.onmessage = (event) => onFrame(event.data);
  socket.onclose = (event) => {
    closedWith = new ForeignError({ runtime: 'serve', type: 'Disconnected',
                                    message: `connection closed (${event.code}${event.reason ? ' ' + event.reason : ''})` });
    closedWith.code = event.code;
    for (const { reject } of waiting.values()) reject(closedWith);
    waiting.clear();
  };
  socket.onerror = () => {};

  const hello = await request({ op: 'hello', ...(options.name ? { name: options.name } : {}) });

  return {
    /** The name this client took (null without one) and the host's runtimes at connection. */
    name: hello.name,
    runtimes: hello.runtimes,
    /** `runtime.fn(...args)` in the host; buffers among the args go as binary frames. */
    call: (runtime, fn, ...args) => request({ op: 'call', runtime, function: fn }, 'args', args),
    /** `call` with a timeout in milliseconds (a Timeout error past it). */
    callWithTimeout: (timeoutMs, runtime, fn, ...args) =>
      request({ op: 'call', runtime, function: fn, timeout_ms: timeoutMs }, 'args', args),
    eval: (runtime, code) => request({ op: 'eval', runtime, code }),
    sendJson: (runtime, payload) => request({ op: 'send_json', runtime }, 'payload', payload),
    /** Makes `fn` callable by the runtimes as `call(<this client's name>, name, …)`. */
    export: (name, fn) => {
      if (typeof fn !== 'function') return Promise.reject(new TypeError('export(name, fn): fn is a function'));
      exported.set(name, fn);
      return request({ op: 'export', name });
    },
    /** The handler of the messages runtimes send to this client (send_json); its return is the reply. */
    onMessage: (fn) => { messageHandler = fn; },
    /** The host's runtime names now. */
    listRuntimes: () => request({ op: 'runtimes' }),
    close: () => new Promise((resolve) => {
      if (socket.readyState === 3) return resolve();
      socket.addEventListener ? socket.addEventListener('close', () => resolve()) : (socket.onclose = resolve);
      socket.close(1000);
    }),
    /** The underlying WebSocket. */
    socket,
  };
}

export default { connect, tensor, ForeignError };
