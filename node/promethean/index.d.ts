// Types of the `promethean` module: the same API in the user's own node (require('promethean'),
// import promethean from 'promethean') and inside `promethean run`. docs/NODE.md.

/** The runtimes a Host offers: "py", "js", "rust", "sh", "meta". */
export type RuntimeName = 'py' | 'js' | 'rust' | 'sh' | 'meta' | (string & {});

/** What crosses between runtimes: JSON values, and typed memory without a copy. */
export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Value[]
  | { [key: string]: Value }
  | ArrayBuffer
  | SharedArrayBuffer
  | ArrayBufferView
  | ((...args: any[]) => any);

/** An element type of a buffer, as numpy spells it ("float64", "uint8", …) or a struct format. */
export type Dtype = string;

/** A buffer type for registerBufferType: the names of its dimensions, its element type, and the
 * dimensions of fixed size. */
export interface BufferTypeSpec {
  layout: string[];
  format?: Dtype;
  fixed?: Record<string, number>;
}

/** `promethean serve`'s client (import { connect } from 'promethean/client', or
 * /promethean-client.mjs from the server in a browser; docs/SERVE.md): what connect() resolves to. */
export interface ServeClient {
  /** The runtime name this client took (connect's `name`), or null. */
  readonly name: string | null;
  /** The host's runtimes when it connected. */
  readonly runtimes: string[];
  /** `runtime.fn(...args)` in the host; TypedArrays and ArrayBuffers among them go as binary frames,
   * and buffers in the result come back as TypedArrays with a `shape`. Rejects with a ForeignError. */
  call(runtime: RuntimeName, fn: string, ...args: Value[]): Promise<any>;
  /** `call` that fails with a Timeout error after `timeoutMs` milliseconds. */
  callWithTimeout(timeoutMs: number, runtime: RuntimeName, fn: string, ...args: Value[]): Promise<any>;
  eval(runtime: RuntimeName, code: string): Promise<any>;
  sendJson(runtime: RuntimeName, payload: Value): Promise<any>;
  /** Makes `fn` callable by the runtimes as call(<this client's name>, name, ...). */
  export(name: string, fn: (...args: any[]) => any): Promise<null>;
  /** The handler of messages the runtimes send this client (send_json); its return is the reply. */
  onMessage(handler: (payload: any) => any): void;
  /** The host's runtime names now (clients that took a name included). */
  listRuntimes(): Promise<string[]>;
  close(): Promise<void>;
  /** The WebSocket underneath (the browser's, or the `ws` package's in Node). */
  readonly socket: any;
}

/** connect()'s options. */
export interface ServeConnectOptions {
  /** The runtime name to take, so that runtimes can call what this client exports. */
  name?: string;
  /** The WebSocket class (default: the global one, else the `ws` package from npm). */
  WebSocket?: new (url: string, options?: any) => any;
  /** Options for the `ws` package's constructor (headers, origin…). */
  wsOptions?: Record<string, unknown>;
}

/** What bufferInfo says of a buffer. */
export interface BufferInfo {
  _type: 'Buffer';
  buffer_id: string;
  format: Dtype;
  shape: number[];
  strides: number[];
  /** The runtime whose memory it is ("py", "js", "rust", "host"). */
  language: string;
  type: string | null;
  readonly: boolean;
  /** The address of its first byte: the same in every runtime that sees it (zero-copy). */
  address: number;
  nbytes: number;
}

/** An error raised in another runtime. */
export class ForeignError extends Error {
  /** The runtime it was raised in ("py", "rust", …). */
  readonly runtime: string;
  /** That runtime's name for it ("ZeroDivisionError", "Timeout", "RustPanic", …). */
  readonly type: string;
  /** That runtime's own traceback. */
  readonly trace: string;
  constructor(runtime: string, type: string, message: string, trace?: string);
}

/** Evaluates `code` in `runtime`; its value (a Promise or coroutine is awaited). */
declare function evaluate(runtime: RuntimeName, code: string): any;
export { evaluate as eval };
/** Calls `fn` (a name in `runtime`, a loaded module's `stem.name`) with `args`. */
export function call(runtime: RuntimeName, fn: string, ...args: Value[]): any;
/** The call without blocking this loop: a Promise of the result (a Python async def runs on an
 * asyncio loop, a blocking function on a worker thread of the host). */
export function callAsync(runtime: RuntimeName, fn: string, ...args: Value[]): Promise<any>;
/** eval without blocking this loop: a Promise of the value (a coroutine the code gives is awaited). */
export function evalAsync(runtime: RuntimeName, code: string): Promise<any>;
/** eval with a time limit in seconds: past it, the work is stopped and a ForeignError of type "Timeout" thrown. */
export function evalWithTimeout(seconds: number, runtime: RuntimeName, code: string): any;
/** call with a time limit in seconds. */
export function callWithTimeout(seconds: number, runtime: RuntimeName, fn: string, ...args: Value[]): any;
/** Makes a JS function callable from the other runtimes by its name (or the function's own name). */
declare function exportFunction(name: string, fn: (...args: any[]) => any): void;
declare function exportFunction(fn: (...args: any[]) => any): void;
export { exportFunction as export };
/** Loads a file or a plugin into a runtime (a .py module, a Rust plugin by name or path, a .js file). */
export function load(runtime: RuntimeName, path: string): any;
/** Sends a JSON message to a runtime's message handler; its reply. */
export function sendJson(runtime: RuntimeName, message: Value): any;
/** Registers this runtime's message handler: its return value (or Promise) is the reply. */
export function onMessage(handler: (message: any) => any): void;
/** New memory owned by the host of `shape` (a length or dimensions), as a TypedArray of `format`
 * (default: the registered type's, else "float32"), optionally of a registered buffer type. */
export function alloc(shape: number | number[], format?: Dtype | null, type?: string): ArrayBufferView;
/** Registers a buffer type (an element type and a rank or shape) under `name`. */
export function registerBufferType(name: string, spec: BufferTypeSpec): void;
/** What the host knows of a buffer: id, dtype, shape, strides, owner. */
export function bufferInfo(buffer: ArrayBuffer | SharedArrayBuffer | ArrayBufferView): BufferInfo;
/** Registers a named view of a buffer type, computed in JS: `view(buffer, name)` from any runtime routes here. */
export function registerView(type: string, name: string, fn: (buffer: ArrayBufferView) => any): void;
/** A named view of a buffer, computed by the runtime that registered it for the buffer's type. */
export function view(buffer: ArrayBuffer | SharedArrayBuffer | ArrayBufferView, name: string): any;
/** The dispatch map: the runtimes, what each offers, and where each buffer type's views live. */
export function runtimes(): Record<string, any>;
/** Keyword arguments, as a call's last argument: a Python function receives them as keywords
 * (`call('py', 'numpy.zeros', 3, kw({dtype: 'uint8'}))`), a JS function as a last plain object. */
export interface KeywordArguments {
  readonly [name: string]: Value;
}
export function kw(values: Record<string, Value>): KeywordArguments;

declare const promethean: {
  eval: typeof evaluate;
  call: typeof call;
  callAsync: typeof callAsync;
  evalAsync: typeof evalAsync;
  evalWithTimeout: typeof evalWithTimeout;
  callWithTimeout: typeof callWithTimeout;
  export: typeof exportFunction;
  load: typeof load;
  sendJson: typeof sendJson;
  onMessage: typeof onMessage;
  alloc: typeof alloc;
  registerBufferType: typeof registerBufferType;
  bufferInfo: typeof bufferInfo;
  registerView: typeof registerView;
  view: typeof view;
  runtimes: typeof runtimes;
  kw: typeof kw;
  ForeignError: typeof ForeignError;
};
export default promethean;
